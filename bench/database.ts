/**
 * The bench's PostgreSQL: the one DATABASE_URL names, or an embedded server
 * in a temporary directory that is removed afterwards. Migrated before use,
 * and given the bench's merchants (each with a card connector account).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createMerchant } from '../src/flows/merchants/create-merchant.ts';
import type { FlowContext } from '../src/flows/context.ts';
import { hashApiKey } from '../src/domain/secrets.ts';
import { insertConnectorAccount } from '../src/store/connector-accounts.ts';
import { openDatabase, type DatabaseHandle } from '../src/store/database.ts';
import { startEmbeddedPostgres } from '../src/store/embedded-postgres.ts';
import { findActiveApiKey } from '../src/store/merchants.ts';
import { prepareDatabase } from '../src/runtime.ts';

export interface BenchDatabase {
  url: string;
  /** 'DATABASE_URL' or 'embedded'. */
  origin: string;
  serverVersion: string;
  /** What decides the plans the bench measures: autovacuum, and whether `payments` has statistics yet. */
  planningNote: string;
  /** A small pool for setup and for reading pg_stat_activity. */
  admin: DatabaseHandle;
  close(): Promise<void>;
}

export async function openBenchDatabase(databaseUrl: string | undefined): Promise<BenchDatabase> {
  let stopEmbedded = async () => {};
  let url = databaseUrl;
  if (!url) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-bench-'));
    // On a signal, embedded-postgres's own exit hook stops the server and exits before our teardown ends: remove the directory last thing.
    process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
    stopEmbedded = async () => rm(dataDir, { recursive: true, force: true });
    try {
      const embedded = await startEmbeddedPostgres(dataDir, { persistent: false });
      stopEmbedded = async () => {
        await embedded.stop().catch((error: unknown) => console.error('bench: stopping the embedded PostgreSQL:', error));
        await rm(dataDir, { recursive: true, force: true });
      };
      url = embedded.url;
    } catch (error) {
      await stopEmbedded();
      throw error;
    }
  }
  const admin = openDatabase(url, { poolSize: 2, applicationName: 'paypilot-bench-admin' });
  const close = async () => {
    await admin.close();
    await stopEmbedded();
  };
  try {
    await prepareDatabase(admin);
    const version = await sql<{ server_version: string }>`show server_version`.execute(admin.db);
    return {
      url,
      origin: databaseUrl ? 'DATABASE_URL' : 'embedded',
      serverVersion: version.rows[0]?.server_version ?? 'unknown',
      planningNote: await planningNote(admin),
      admin,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface BenchMerchant {
  merchantId: string;
  secretKey: string;
  apiKeyId: string;
}

/** A merchant with a test-mode card account at the simulated acquirer, made with the same functions the CLI uses. */
export async function createBenchMerchant(context: FlowContext, name: string, acquirer: { url: string; apiKey: string }): Promise<BenchMerchant> {
  const created = await createMerchant(context, { name });
  const secretKey = created.keys.secret_test;
  const key = await findActiveApiKey(context.db, hashApiKey(secretKey), new Date(context.clock.nowMs()));
  if (!key) throw new Error('bench: the new secret key is not found');
  await insertConnectorAccount(
    context.db,
    { merchantId: created.merchantId, mode: 'test' },
    {
      id: context.ids.newId('ca'),
      connector: 'card',
      enabled: true,
      priority: 50,
      baseUrl: acquirer.url,
      credentials: { api_key: acquirer.apiKey },
      now: new Date(context.clock.nowMs()),
    },
    context.keys.credentials,
  );
  return {
    merchantId: created.merchantId,
    secretKey,
    apiKeyId: key.keyId,
  };
}

/**
 * Without statistics PostgreSQL guesses at plans, and a guess can pick another
 * index than production would: say which regime the run measures.
 */
export async function planningNote(admin: DatabaseHandle): Promise<string> {
  // pg_stats, not last_analyze: an ANALYZE rolled back leaves its timestamp (and pg_class.reltuples) but no statistics.
  const result = await sql<{ autovacuum: string; analyzed: boolean }>`
    select current_setting('autovacuum') as autovacuum,
           exists (select 1 from pg_stats where schemaname = current_schema() and tablename = 'payments') as analyzed
  `.execute(admin.db);
  const row = result.rows[0];
  const analyzed = row?.analyzed ? 'payments has statistics' : 'payments has no column statistics, so plans rest on default guesses';
  return `autovacuum ${row?.autovacuum ?? 'unknown'}; ${analyzed}`;
}

/** The pids of the backends serving these application names (to read their CPU time). */
export async function backendPids(admin: DatabaseHandle, applicationNames: string[]): Promise<number[]> {
  const rows = await sql<{ pid: number }>`
    select pid from pg_stat_activity where application_name = any(${applicationNames}::text[])
  `.execute(admin.db);
  return rows.rows.map((row) => row.pid);
}

/**
 * Where the server's write-ahead log stands: its position in bytes (`pg_current_wal_lsn()`, exact), and the records and
 * full-page images written so far (`pg_stat_wal`, which backends update when they go idle, at most once a second, so a
 * window's counts are off by up to a second's worth at each edge). For the whole server: every database and background
 * process (autovacuum, checkpoints) counts.
 */
export interface WalPosition {
  bytes: number;
  records: number;
  fullPageImages: number;
}

export async function walPosition(admin: DatabaseHandle): Promise<WalPosition> {
  const result = await sql<{ bytes: string; records: string; fpi: string }>`
    select (pg_current_wal_lsn() - '0/0'::pg_lsn)::text as bytes, w.wal_records::text as records, w.wal_fpi::text as fpi from pg_stat_wal w
  `.execute(admin.db);
  const row = result.rows[0];
  return { bytes: Number(row?.bytes ?? 0), records: Number(row?.records ?? 0), fullPageImages: Number(row?.fpi ?? 0) };
}

/** What the server wrote to its log between two readings. */
export function walBetween(start: WalPosition, end: WalPosition): WalPosition {
  return { bytes: end.bytes - start.bytes, records: end.records - start.records, fullPageImages: end.fullPageImages - start.fullPageImages };
}

/** The sum of two windows' writes. */
export function addWal(a: WalPosition, b: WalPosition): WalPosition {
  return { bytes: a.bytes + b.bytes, records: a.records + b.records, fullPageImages: a.fullPageImages + b.fullPageImages };
}

/** Rows updated, and how many of them heap-only (HOT: no index entry written), per table, as PostgreSQL counted them. */
export type TableUpdates = Record<string, { updated: number; hot: number }>;

/** The hot path's tables whose updates the bench reports. */
export const updatedTables = ['payments', 'payment_attempts', 'idempotency_keys'] as const;

/**
 * The counters of `pg_stat_user_tables` for the hot path's tables. A backend hands its counts over when it goes idle
 * (at most once a second) or disconnects, so read these after the API server has stopped.
 */
export async function tableUpdates(admin: DatabaseHandle): Promise<TableUpdates> {
  const result = await sql<{ table: string; updated: string; hot: string }>`
    select relname as table, n_tup_upd as updated, n_tup_hot_upd as hot
      from pg_stat_user_tables where schemaname = current_schema() and relname = any(${[...updatedTables]}::text[])
  `.execute(admin.db);
  return Object.fromEntries(result.rows.map((row) => [row.table, { updated: Number(row.updated), hot: Number(row.hot) }]));
}

/** What changed between two readings. */
export function tableUpdatesBetween(before: TableUpdates, after: TableUpdates): TableUpdates {
  return Object.fromEntries(
    Object.entries(after).map(([table, counts]) => [table, { updated: counts.updated - (before[table]?.updated ?? 0), hot: counts.hot - (before[table]?.hot ?? 0) }]),
  );
}
