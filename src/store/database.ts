/**
 * The database handle: one pg Pool behind one typed Kysely instance. Every
 * option that matters is set here explicitly.
 */
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type Expression, type PostgresPool, type RawBuilder } from 'kysely';
import pg from 'pg';
import { limits } from '../domain/limits.ts';
import { AssertionError } from '../domain/assert.ts';
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

export interface DatabaseOptions {
  poolSize?: number;
  applicationName?: string;
  /** The pool's `statement_timeout`; `limits.databaseStatementTimeoutMs` unless given. */
  statementTimeoutMs?: number;
}

/** Where each handle's database is, so that a side connection to the same one can be opened (`openSideDatabase`). */
const connectionStrings = new WeakMap<Db, string>();

export function openDatabase(connectionString: string, options: DatabaseOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? limits.databasePoolSize,
    connectionTimeoutMillis: limits.databaseConnectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? limits.databaseStatementTimeoutMs,
    application_name: options.applicationName ?? 'paypilot',
    // PostgreSQL's default, said explicitly: a named prepared statement (only those marked with
    // `reusablePlan`, below) is planned with its values five times, then once for all values if that plan
    // costs no more. Every other statement goes unnamed, so it is planned with its values every time.
    // Statements inside triggers and foreign-key checks keep their plans for the session the same way.
    options: '-c plan_cache_mode=auto',
  });
  // A dropped connection must not crash the process: the pool replaces idle ones, and a query on a
  // checked-out one fails on its own. The handlers only keep the errors from being thrown as events.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  connectionStrings.set(db, connectionString);
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

/**
 * A handle of its own (a pool of one connection) to the database of `db`:
 * for work that must go on while the request pool is exhausted (the API
 * process's heartbeat). The pool replaces its connection when it breaks.
 */
export function openSideDatabase(db: Db, options: { applicationName: string; statementTimeoutMs: number }): DatabaseHandle {
  const connectionString = connectionStrings.get(db);
  if (connectionString === undefined) throw new AssertionError('a side connection is opened only beside a handle made by openDatabase');
  return openDatabase(connectionString, { poolSize: 1, ...options });
}

const preparedStatementsMax = 2_000;

const reusablePlanMarker = '/* reusable plan */';

/**
 * Marks a statement of the payment's hot path whose best plan is the same
 * whatever its values (a write or a read by primary key, a CTE of those):
 * the pool sends it as a named prepared statement, which PostgreSQL parses
 * once per connection and, after five executions, stops planning (a generic
 * plan). Planning was about a third of PostgreSQL's CPU per payment. Never
 * on a statement whose plan depends on its values (a range, a merchant's
 * rows, a status): those are planned anew each time so that a merchant with
 * a million payments and one with ten each get the plan that suits them.
 * Raw SQL ends with it; a query builder takes it with `withReusablePlan`.
 */
export const reusablePlan: RawBuilder<unknown> = sql.raw(` ${reusablePlanMarker}`);

export function withReusablePlan<Query extends { modifyEnd(modifier: Expression<unknown>): Query }>(query: Query): Query {
  return query.modifyEnd(reusablePlan);
}

/**
 * Kysely's pool, sending every statement marked with `reusablePlan` as a
 * named prepared statement, every other one unnamed (parsed and planned at
 * each execution). The set of marked statement texts is small and fixed;
 * past the bound, statements go unnamed rather than growing the
 * per-connection cache.
 */
function endsWithMarker(text: string): boolean {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) <= 32) end -= 1;
  return text.startsWith(reusablePlanMarker, end - reusablePlanMarker.length);
}

function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | null => {
    // The marker ends the text (a builder's `modifyEnd`, raw SQL's last line): looking there first costs nothing, where
    // a lookup or a search of every statement's whole text was 1 % of the API's CPU.
    if (!endsWithMarker(text)) return null;
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
          const name = nameOf(text);
          return client.query({ ...(name ? { name } : {}), text, values: values as unknown[], types: applicationTypes });
        },
        release: (error?: Error) => client.release(error),
      } as never;
    },
    end: () => pool.end(),
  };
}
