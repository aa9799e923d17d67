/**
 * The database handle: one pg Pool behind one typed Kysely instance. Every
 * option that matters is set here explicitly.
 */
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import pg from 'pg';
import { limits } from '../domain/limits.ts';
import type { Database } from './schema.ts';

// int8 (bigint) columns carry money: the application reads them as bigint, never as float or string.
// Only its own queries (below) parse them so: the job queue shares the pool, and graphile-worker must
// get its int8 job ids as it expects (a global parser left failing jobs locked, unable to be retried).
const applicationTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return (text: string) => BigInt(text);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function openDatabase(connectionString: string, options: { poolSize?: number; applicationName?: string } = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? limits.databasePoolSize,
    connectionTimeoutMillis: limits.databaseConnectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: limits.databaseStatementTimeoutMs,
    application_name: options.applicationName ?? 'paypilot',
    // Prepared statements (below) save parsing; a custom plan per execution keeps plans from going
    // stale on tables that grew since a generic plan was made.
    options: '-c plan_cache_mode=force_custom_plan',
  });
  // A dropped connection must not crash the process: the pool replaces idle ones, and a query on a
  // checked-out one fails on its own. The handlers only keep the errors from being thrown as events.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

const preparedStatementsMax = 2_000;

/**
 * Kysely's pool, sending every statement that has parameters as a named
 * prepared statement: PostgreSQL then parses it once per connection instead
 * of at every execution, which was the largest share of its CPU per payment.
 * The set of statement texts is small and fixed; past the bound, statements
 * go unnamed rather than growing the per-connection cache.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | null => {
    const known = names.get(text);
    if (known) return known;
    if (names.size >= preparedStatementsMax) return null;
    const name = `pp_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      return {
        query(text: string, values: readonly unknown[]) {
          const name = values.length > 0 ? nameOf(text) : null;
          return client.query({ ...(name ? { name } : {}), text, values: values as unknown[], types: applicationTypes });
        },
        release: (error?: Error) => client.release(error),
      } as never;
    },
    end: () => pool.end(),
  };
}
