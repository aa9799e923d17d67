/**
 * `paypilot backup` then `paypilot restore` into a fresh database on the same
 * server: every table comes back with exactly the same rows, the ledger
 * still proves, identity sequences continue past the restored rows, and a
 * database that is not empty is refused unless forced.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupRefused, backupDatabase, restoreDatabase, type BackupHeader, type RestoreReport } from '../../src/ops/backup.ts';
import { requestLogOf } from '../../src/http/plugins/request-log.ts';
import { prepareJobQueue } from '../../src/jobs/worker.ts';
import { analyzeTables } from '../../src/store/backup.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { verifyLedger } from '../../src/store/ledger.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let directory: string;
let file: string;
let header: BackupHeader;
let restoredReport: RestoreReport | null = null;
let target: DatabaseHandle;
let targetScratch: ScratchDatabase;
const bulkPrefix = `cus_bulk_${randomBytes(4).toString('hex')}_`;

/** Each table's row count and an md5 of its rows in a fixed order. */
async function fingerprint(handle: DatabaseHandle, tables: string[]): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of tables) {
    const row = await sql<{ n: number; digest: string }>`
      select count(*)::int as n, md5(coalesce(string_agg(t::text, E'\n' order by t::text), '')) as digest from ${sql.table(table)} t
    `.execute(handle.db);
    result[table] = `${row.rows[0]?.n}:${row.rows[0]?.digest}`;
  }
  return result;
}

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'paypilot-backup-'));
  file = path.join(directory, 'paypilot.backup.gz');
  stack = await startStack();
  // Payments, a refund, a wallet top-up and wallet payment (ledger), a webhook endpoint and its deliveries, feedback, funnel steps.
  await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hook', enabled_events: ['*'] });
  const customer = await stack.api('POST', '/v1/customers', { email: 'zhang.wei@example.com', phone: '+86 138 0000 1111', name: '张伟' });
  const paid = await stack.api('POST', '/v1/payments', { amount: 5_000, currency: 'CNY', customer: customer.body.id, metadata: { order: '42' } });
  await stack.api('POST', `/v1/payments/${paid.body.id}/confirm`, { payment_method: card('4242424242424242') });
  await stack.api('POST', '/v1/refunds', { payment: paid.body.id, amount: 1_000 });
  await stack.api('POST', `/v1/payments/${paid.body.id}/feedback`, { rating: 5, comment: 'quick' });
  const declined = await stack.api('POST', '/v1/payments', { amount: 700, currency: 'USD' });
  await stack.api('POST', `/v1/payments/${declined.body.id}/confirm`, { payment_method: card('4000000000000002') });
  await stack.api('PUT', `/v1/customers/${customer.body.id}/wallet/pin`, { pin: '147258' });
  const topUp = await stack.api('POST', `/v1/customers/${customer.body.id}/wallet/top_ups`, { amount: 10_000, currency: 'CNY' });
  await stack.api('POST', `/v1/payments/${topUp.body.id}/confirm`, { payment_method: card('4242424242424242') });
  const walletPayment = await stack.api('POST', '/v1/payments', { amount: 2_500, currency: 'CNY', customer: customer.body.id });
  await stack.api('POST', `/v1/payments/${walletPayment.body.id}/confirm`, { payment_method: { type: 'wallet', wallet: { pin: '147258' } } });
  // Enough rows that a table's COPY arrives over many socket reads (the driver reuses its read buffer between them).
  await sql`
    insert into customers (id, merchant_id, mode, email, phone, name, locale, metadata, created_at)
    select ${bulkPrefix} || n, ${stack.merchant.merchantId}, 'test',
           'payer' || n || '@example.com', '+86 139 ' || lpad(n::text, 8, '0'), repeat('名', 40) || n, 'zh-CN', '{}', now()
      from generate_series(1, 20000) as n
  `.execute(stack.db.db);
  targetScratch = await createScratchDatabase('pp_e_restore');
  target = openDatabase(targetScratch.url, { poolSize: 4 });
}, 90_000);

afterAll(async () => {
  // A shared server (CI's) keeps what tests leave: the bulk rows go. Each deleted customer is looked up in the
  // five tables that refer to customers; on a loaded machine that outlasts the pool's statement timeout.
  if (stack) {
    await stack.db.db.transaction().execute(async (trx) => {
      await sql`set local statement_timeout = 0`.execute(trx);
      await sql`delete from customers where id like ${`${bulkPrefix}%`}`.execute(trx);
    });
  }
  await stack?.close();
  await target?.close();
  await targetScratch?.drop().catch(() => {});
  if (directory) await rm(directory, { recursive: true, force: true });
}, 120_000);

describe('backup and restore', () => {
  it('writes a gzip file whose header lists migrations, tables, row counts and checksums', async () => {
    // The recent-requests log is written in the background: what this file's requests left in its buffer goes now,
    // so that nothing writes to the source after the backup.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await requestLogOf(stack.app)?.flush();
    header = await backupDatabase(stack.db.pool, file, stack.context.clock);
    const text = gunzipSync(await readFile(file));
    const line = JSON.parse(text.subarray(0, text.indexOf(0x0a)).toString('utf8')) as BackupHeader;
    expect(line).toEqual(header);
    expect(header.format).toBe('paypilot-backup');
    expect(header.migrations).toContain('0001_core');
    const names = header.tables.map((table) => table.name);
    for (const name of ['payments', 'payment_events', 'refunds', 'ledger_entries', 'webhook_deliveries', 'events', 'payment_feedback']) expect(names).toContain(name);
    expect(names).not.toContain('kysely_migration');
    expect(header.tables.find((table) => table.name === 'payments')!.rows).toBeGreaterThanOrEqual(4);
    expect(header.tables.reduce((sum, table) => sum + table.bytes, 0)).toBe(text.length - text.indexOf(0x0a) - 1);
  });

  it('restores into a fresh database with every table equal, row for row', async () => {
    await prepareJobQueue(target.pool);
    const report = await restoreDatabase(target, file);
    restoredReport = report;
    expect(report.tables).toBe(header.tables.length);
    expect(report.rows).toBe(header.tables.reduce((sum, table) => sum + table.rows, 0));
    const tables = header.tables.map((table) => table.name);
    // Nothing has written to the source since the backup in this file, and no other file runs at the same time.
    expect(await fingerprint(target, tables)).toEqual(await fingerprint(stack.db, tables));
    const ledger = await verifyLedger(target.db);
    expect(ledger.problems).toEqual([]);
    expect(ledger.entries).toBeGreaterThan(0);
  });

  it('leaves the restored tables analyzed, so the first queries after it are planned with statistics', async () => {
    // Without them the planner guesses, and a guess can read a merchant's every payment for one by its key (bench/README.md,
    // "A new database has no statistics"). pg_stats, not last_analyze: an ANALYZE rolled back keeps its timestamp.
    const analyzed = await sql<{ tablename: string }>`
      select distinct tablename from pg_stats where schemaname = current_schema() and tablename = any(${['payments', 'payment_attempts', 'payment_events']}::text[])
    `.execute(target.db);
    expect(analyzed.rows.map((row) => row.tablename).sort()).toEqual(['payment_attempts', 'payment_events', 'payments']);
    expect(restoredReport?.analyzed).toBe(header.tables.length);
    expect(restoredReport?.analysisError).toBeNull();
  });

  it("analyzes without the pool's statement timeout, which a large restored database would outlast", async () => {
    // A pool whose statement timeout every ANALYZE of the whole database outlasts, standing in for the 15 s default on a large one.
    const short = openDatabase(targetScratch.url, { poolSize: 1, statementTimeoutMs: 1 });
    const client = await short.pool.connect();
    try {
      const names = header.tables.map((table) => table.name);
      expect(await analyzeTables(client, names)).toBe(names.length);
    } finally {
      client.release();
      await short.close();
    }
  });

  it('continues identity sequences after the restored rows and keeps the triggers on afterwards', async () => {
    const before = await sql<{ max: string }>`select coalesce(max(id), 0)::text as max from funnel_events`.execute(target.db);
    const payment = await sql<{ id: string; merchant_id: string }>`select id, merchant_id from payments limit 1`.execute(target.db);
    const { id, merchant_id } = payment.rows[0]!;
    const inserted = await sql<{ id: string }>`
      insert into funnel_events (payment_id, merchant_id, mode, type, created_at) values (${id}, ${merchant_id}, 'test', 'checkout_viewed', now()) returning id::text
    `.execute(target.db);
    expect(BigInt(inserted.rows[0]!.id)).toBeGreaterThan(BigInt(before.rows[0]!.max));
    await expect(sql`delete from payment_events`.execute(target.db)).rejects.toThrow(/immutable/);
  });

  it('refuses a database that is not empty, unless forced', async () => {
    await expect(restoreDatabase(target, file)).rejects.toThrow(BackupRefused);
    await expect(restoreDatabase(target, file)).rejects.toThrow(/not empty/);
    const report = await restoreDatabase(target, file, { force: true });
    expect(report.rows).toBe(header.tables.reduce((sum, table) => sum + table.rows, 0));
    const tables = header.tables.map((table) => table.name);
    expect(await fingerprint(target, tables)).toEqual(await fingerprint(stack.db, tables));
  });

  it('refuses a file whose data does not match its checksum, and changes nothing', async () => {
    const text = gunzipSync(await readFile(file));
    const newline = text.indexOf(0x0a);
    const corrupted = Buffer.from(text);
    const last = corrupted.length - 3;
    corrupted[last] = corrupted[last] === 0x41 ? 0x42 : 0x41;
    expect(newline).toBeLessThan(last);
    const bad = path.join(directory, 'corrupted.backup.gz');
    await writeFile(bad, gzipSync(corrupted));
    const tables = header.tables.map((table) => table.name);
    const beforeAttempt = await fingerprint(target, tables);
    await expect(restoreDatabase(target, bad, { force: true })).rejects.toThrow(/checksum|invalid|COPY/i);
    expect(await fingerprint(target, tables)).toEqual(beforeAttempt);
  });
});
