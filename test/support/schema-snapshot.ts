/**
 * A database's schema as data, for comparing two databases (or one and a
 * fixture): tables and columns, constraints, indexes, views, functions
 * (bodies with their whitespace collapsed, so layout never counts) and
 * triggers, each as PostgreSQL itself prints it back.
 */
import { sql } from 'kysely';
import type { Db } from '../../src/store/database.ts';

export interface SchemaSnapshot {
  columns: string[];
  constraints: string[];
  indexes: string[];
  views: string[];
  functions: string[];
  triggers: string[];
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

export async function schemaSnapshot(db: Db): Promise<SchemaSnapshot> {
  const lines = async (query: ReturnType<typeof sql<{ line: string }>>) => (await query.execute(db)).rows.map((r) => collapse(r.line)).sort();
  return {
    columns: await lines(sql<{ line: string }>`
      select c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || case when a.attnotnull then ' not null' else '' end
             || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') as line
        from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
       where n.nspname = 'public' and c.relkind in ('r', 'v', 'p') and a.attnum > 0 and not a.attisdropped`),
    constraints: await lines(sql<{ line: string }>`
      select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) as line
        from pg_constraint where connamespace = 'public'::regnamespace`),
    indexes: await lines(sql<{ line: string }>`select indexdef as line from pg_indexes where schemaname = 'public'`),
    views: await lines(sql<{ line: string }>`select viewname || ': ' || definition as line from pg_views where schemaname = 'public'`),
    functions: await lines(sql<{ line: string }>`
      select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || pg_get_function_result(p.oid)
             || ' ' || l.lanname || ' ' || p.provolatile::text || case when p.proparallel = 's' then ' parallel safe' else '' end
             || coalesce(' ' || array_to_string(p.proconfig, ','), '') || ': ' || p.prosrc as line
        from pg_proc p join pg_language l on l.oid = p.prolang
       where p.pronamespace = 'public'::regnamespace`),
    triggers: await lines(sql<{ line: string }>`select pg_get_triggerdef(oid) as line from pg_trigger where not tgisinternal`),
  };
}
