/**
 * What a logical backup needs from PostgreSQL: COPY … TO STDOUT and COPY …
 * FROM STDIN over a pg client (pg-copy-streams, with backpressure both ways),
 * the tables to dump with their columns, and the identity sequences to move
 * past the restored rows.
 */
import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { assert } from '../domain/assert.ts';

/** Tables the migrations own: restore recreates them by migrating, so they are not dumped. */
const migrationTables = ['kysely_migration', 'kysely_migration_lock'];
/**
 * The running API processes' heartbeats (migration 0056): rewritten every few seconds while the API runs, and
 * meaningless in another database, so not dumped. Keys restored in progress then name no live process, and a
 * retry takes them over at once, as it would have once the process that held them was gone.
 */
const processTables = ['api_nodes'];

/** `COPY table (columns) TO STDOUT` into `sink`; answers the row count. */
export async function copyTableOut(client: pg.PoolClient, table: BackupTable, sink: Writable, onChunk: (chunk: Buffer) => void): Promise<number> {
  const copy = client.query(copyTo(`copy ${qualified(table)} (${columnList(table)}) to stdout`));
  for await (const data of copy as AsyncIterable<Buffer>) {
    // The sink may hold a chunk after the next socket read (gzip works asynchronously): it gets its own copy.
    const chunk = Buffer.from(data);
    onChunk(chunk);
    if (!sink.write(chunk)) await once(sink, 'drain');
  }
  return copy.rowCount;
}

/** `COPY table (columns) FROM STDIN` from `source`; answers the row count. A source that throws aborts the copy (COPY fails, nothing of it stays). */
export async function copyTableIn(client: pg.PoolClient, table: BackupTable, source: AsyncIterable<Buffer>): Promise<number> {
  const copy = client.query(copyFrom(`copy ${qualified(table)} (${columnList(table)}) from stdin`));
  await pipeline(Readable.from(source, { objectMode: false }), copy);
  return copy.rowCount;
}

export interface BackupTable {
  name: string;
  /** Stored columns in table order (generated columns are computed again on restore). */
  columns: string[];
}

/** Every ordinary table of the public schema but the migrations' own and the processes' heartbeats, by name. */
export async function listBackupTables(client: pg.PoolClient): Promise<BackupTable[]> {
  const result = await client.query<BackupTable>(
    `select c.relname::text as name, array_agg(a.attname::text order by a.attnum) as columns
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      where n.nspname = 'public' and c.relkind = 'r' and c.relname <> all ($1::text[])
      group by c.relname
      order by c.relname`,
    [[...migrationTables, ...processTables]],
  );
  return result.rows;
}

/** The names of the applied migrations, in order; none when the database was never migrated. */
export async function appliedMigrations(client: pg.PoolClient): Promise<string[]> {
  const exists = await client.query<{ present: boolean }>(`select to_regclass('public.kysely_migration') is not null as present`);
  if (!exists.rows[0]?.present) return [];
  const result = await client.query<{ name: string }>('select name from kysely_migration order by name');
  return result.rows.map((row) => row.name);
}

/** The tables that hold at least one row. */
export async function nonEmptyTables(client: pg.PoolClient, tables: BackupTable[]): Promise<string[]> {
  const found: string[] = [];
  for (const table of tables) {
    const result = await client.query(`select 1 from ${qualified(table)} limit 1`);
    if ((result.rowCount ?? 0) > 0) found.push(table.name);
  }
  return found;
}

export async function truncateTables(client: pg.PoolClient, tables: BackupTable[]): Promise<void> {
  if (tables.length === 0) return;
  await client.query(`truncate table ${tables.map(qualified).join(', ')} restart identity cascade`);
}

/** Moves every identity (and serial) sequence of the public schema past the largest value its column holds. */
export async function resetIdentitySequences(client: pg.PoolClient): Promise<number> {
  const columns = await client.query<{ table_name: string; column_name: string; sequence: string }>(
    `select c.relname::text as table_name, a.attname::text as column_name,
            pg_get_serial_sequence(format('public.%I', c.relname), a.attname) as sequence
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = 'public' and c.relkind = 'r'
        and pg_get_serial_sequence(format('public.%I', c.relname), a.attname) is not null`,
  );
  for (const column of columns.rows) {
    await client.query(
      `select setval($1::regclass, coalesce((select max(${pg.escapeIdentifier(column.column_name)}) from public.${pg.escapeIdentifier(column.table_name)}), 0) + 1, false)`,
      [column.sequence],
    );
  }
  return columns.rowCount ?? 0;
}

/** Rows graphile-worker must run again after a restore, since its queue is not in a backup: unapplied provider notifications. */
export async function requeueAfterRestore(client: pg.PoolClient): Promise<number> {
  const result = await client.query(
    `select graphile_worker.add_job('apply_notification', json_build_object('id', id, 'merchant', merchant_id)) from provider_notifications where applied_at is null`,
  );
  return result.rowCount ?? 0;
}

/**
 * Statistics for the planner on the tables a restore loaded (by name, in `public`): until autovacuum comes to a table, it
 * is planned on default guesses, and a guess can read a merchant's every payment to find one by its key (bench/README.md,
 * "A new database has no statistics"). Without the pool's statement timeout, as the load itself: a large database takes
 * longer than it. ANALYZE may run in a transaction, so the setting stays local to it.
 */
export async function analyzeTables(client: pg.PoolClient, names: readonly string[]): Promise<number> {
  if (names.length === 0) return 0;
  await client.query('begin');
  try {
    await client.query('set local statement_timeout = 0');
    await client.query(`analyze ${names.map((name) => qualified({ name })).join(', ')}`);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
  return names.length;
}

function qualified(table: Pick<BackupTable, 'name'>): string {
  assert(table.name.length > 0, 'a table has a name');
  return `public.${pg.escapeIdentifier(table.name)}`;
}

function columnList(table: BackupTable): string {
  assert(table.columns.length > 0, `${table.name} has columns`);
  return table.columns.map((column) => pg.escapeIdentifier(column)).join(', ');
}
