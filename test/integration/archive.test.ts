/**
 * `paypilot archive --before DATE` (the flow behind it): old payment events,
 * funnel events and cancellation records move to the archive tables, recent
 * ones stay, the NDJSON.gz files hold them with personal data masked, live
 * payment events still refuse an ordinary delete, and a second run moves and
 * duplicates nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymizeCustomerId } from '../../src/domain/masking.ts';
import { archiveBefore, type ArchiveReport } from '../../src/ops/archive.ts';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const oldTime = Date.UTC(2021, 2, 10, 8);
const recentTime = Date.UTC(2021, 3, 10, 8);
const before = '2021-04-01';
const email = 'li.lei@example.org';
const phone = '+86 139 1234 5678';
const clock = new ManualClock(oldTime);
let stack: Stack;
let directory: string;
let customer: string;
const payments = { oldPaid: '', oldCanceled: '', recentPaid: '', recentCanceled: '' };
let first: ArchiveReport;

async function paid(): Promise<string> {
  const payment = await stack.api('POST', '/v1/payments', { amount: 1_234, currency: 'CNY', customer });
  const confirmed = await stack.api('POST', `/v1/payments/${payment.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('succeeded');
  return payment.body.id;
}

async function canceled(): Promise<string> {
  const payment = await stack.api('POST', '/v1/payments', { amount: 4_500, currency: 'CNY', customer });
  const comment = `Too slow. Mail me at ${email} or call ${phone}`;
  const result = await stack.api('POST', `/v1/payments/${payment.body.id}/cancel`, { cancellation_reason: 'requested_by_customer', comment });
  expect(result.body.status, JSON.stringify(result.body)).toBe('canceled');
  const db = stack.db.db;
  const record = await db.selectFrom('cancellation_records').select('payment_id').where('payment_id', '=', payment.body.id).executeTakeFirst();
  if (!record) {
    // Until every cancel writes its record, one is written here as the cancel would.
    await db
      .insertInto('cancellation_records')
      .values({
        payment_id: payment.body.id, merchant_id: stack.merchant.merchantId, mode: 'test', amount: 4_500, currency: 'CNY',
        payment_method_type: null, connector: null, connector_account_id: null, stage: 'created', reason: 'requested_by_customer',
        comment, source: 'payer', detected_cause: 'unknown', customer, counts_toward_abuse: true,
        payment_created_at: new Date(clock.nowMs()), created_at: new Date(clock.nowMs()),
      })
      .execute();
  }
  return payment.body.id;
}

async function countRows(table: string, paymentId: string): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where payment_id = ${paymentId}`.execute(stack.db.db);
  return result.rows[0]?.n ?? 0;
}

function readNdjson(file: Promise<Buffer>): Promise<{ text: string; rows: Record<string, unknown>[] }> {
  return file.then((buffer) => {
    const text = gunzipSync(buffer).toString('utf8');
    return { text, rows: text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
  });
}

const archiveAt = (batchRows: number) =>
  archiveBefore({ db: stack.db.db, clock: new ManualClock(Date.UTC(2021, 3, 20)), keys: stack.context.keys }, { before, directory, batchRows });

const liveBefore = { oldPaidEvents: 0, oldPaidFunnel: 0 };

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'paypilot-archive-'));
  stack = await startStack({ clock });
  const created = await stack.api('POST', '/v1/customers', { email, phone, name: 'Li Lei' });
  customer = created.body.id;
  payments.oldPaid = await paid();
  payments.oldCanceled = await canceled();
  await stack.api('POST', `/v1/payments/${payments.oldPaid}/funnel_events`, { type: 'checkout_viewed' });
  liveBefore.oldPaidEvents = await countRows('payment_events', payments.oldPaid);
  liveBefore.oldPaidFunnel = await countRows('funnel_events', payments.oldPaid);
  clock.setMs(recentTime);
  payments.recentPaid = await paid();
  payments.recentCanceled = await canceled();
  // Small batches, so the moves take several transactions.
  first = await archiveAt(3);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('archive', () => {
  it('moves rows older than the date to the archive tables and keeps the recent ones', async () => {
    expect(liveBefore.oldPaidEvents).toBeGreaterThan(0);
    expect(liveBefore.oldPaidFunnel).toBeGreaterThan(0);
    expect(await countRows('payment_events', payments.oldPaid)).toBe(0);
    expect(await countRows('archived_payment_events', payments.oldPaid)).toBe(liveBefore.oldPaidEvents);
    expect(await countRows('funnel_events', payments.oldPaid)).toBe(0);
    expect(await countRows('archived_funnel_events', payments.oldPaid)).toBe(liveBefore.oldPaidFunnel);
    expect(await countRows('cancellation_records', payments.oldCanceled)).toBe(0);
    expect(await countRows('archived_cancellation_records', payments.oldCanceled)).toBe(1);
    for (const table of ['payment_events', 'funnel_events']) expect(await countRows(table, payments.recentPaid), table).toBeGreaterThan(0);
    expect(await countRows('cancellation_records', payments.recentCanceled)).toBe(1);
    expect(await countRows('archived_payment_events', payments.recentPaid)).toBe(0);
    expect(first.tables.map((t) => t.table)).toEqual(['payment_events', 'funnel_events', 'cancellation_records']);
    for (const table of first.tables) expect(table.moved, table.table).toBeGreaterThan(0);
  });

  it('writes each table as gzipped NDJSON with emails, phones and customer ids masked', async () => {
    const events = await readNdjson(readFile(path.join(directory, `payment_events-${before}.ndjson.gz`)));
    expect(events.rows.filter((row) => row.payment_id === payments.oldPaid)).toHaveLength(liveBefore.oldPaidEvents);
    expect(events.rows.some((row) => row.payment_id === payments.recentPaid)).toBe(false);
    const funnel = await readNdjson(readFile(path.join(directory, `funnel_events-${before}.ndjson.gz`)));
    expect(funnel.rows.filter((row) => row.payment_id === payments.oldPaid)).toHaveLength(liveBefore.oldPaidFunnel);
    const records = await readNdjson(readFile(path.join(directory, `cancellation_records-${before}.ndjson.gz`)));
    const record = records.rows.find((row) => row.payment_id === payments.oldCanceled);
    expect(record?.comment).toBe('Too slow. Mail me at l***@example.org or call ***5678');
    expect(record?.customer).toMatch(/^cus[ph]_[A-Za-z0-9_-]{26}$/);
    expect([pseudonymizeCustomerId(customer, stack.context.keys.customerPseudonym), (await storedCustomerOf(payments.oldCanceled))]).toContain(record?.customer);
    for (const file of [events, funnel, records]) {
      expect(file.text).not.toContain(email);
      expect(file.text).not.toContain('1234 5678');
      expect(file.text).not.toContain('12345678');
      expect(file.text).not.toContain(customer);
    }
  });

  it('leaves live payment events refusing an ordinary delete and update', async () => {
    await expect(sql`delete from payment_events where payment_id = ${payments.recentPaid}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    await expect(sql`update payment_events set reason = 'x' where payment_id = ${payments.recentPaid}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    await expect(sql`delete from archived_payment_events where payment_id = ${payments.oldPaid}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    expect(await countRows('payment_events', payments.recentPaid)).toBeGreaterThan(0);
  });

  it('moves nothing and duplicates nothing when run again', async () => {
    const again = await archiveAt(5_000);
    for (const table of again.tables) expect(table.moved, table.table).toBe(0);
    expect(again.tables.map((t) => t.archivedRows)).toEqual(first.tables.map((t) => t.archivedRows));
    expect(await countRows('archived_payment_events', payments.oldPaid)).toBe(liveBefore.oldPaidEvents);
    expect(await countRows('archived_cancellation_records', payments.oldCanceled)).toBe(1);
    const events = await readNdjson(readFile(path.join(directory, `payment_events-${before}.ndjson.gz`)));
    const ids = events.rows.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.rows.filter((row) => row.payment_id === payments.oldPaid)).toHaveLength(liveBefore.oldPaidEvents);
  });
});

async function storedCustomerOf(paymentId: string): Promise<string | null> {
  const row = await stack.db.db.selectFrom('archived_cancellation_records').select('customer').where('payment_id', '=', paymentId).executeTakeFirst();
  return row?.customer ?? null;
}
