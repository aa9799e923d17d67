/**
 * The database handle: one pg Pool behind one typed Kysely instance. Every
 * option that matters is set here explicitly.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { limits } from '../domain/limits.ts';
import type { Database } from './schema.ts';

// int8 (bigint) columns carry money: read them as bigint, never as float or string.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => BigInt(text));

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
  });
  // A dropped connection must not crash the process: the pool replaces idle ones, and a query on a
  // checked-out one fails on its own. The handlers only keep the errors from being thrown as events.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
