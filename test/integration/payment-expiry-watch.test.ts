/**
 * A payment's status changes are heap-only (HOT) updates (migration 0047): no
 * index of `payments` names `status`, so a transition writes no index entry.
 * The expiry sweep finds its candidates in `payment_expiry_watch` instead,
 * written with the payment: it still cancels every open payment past its
 * time, forgets the payments that reached a final status, and keeps a
 * payment that may open again (one in `processing` whose attempt is declined).
 * New pages of `payments` and `idempotency_keys` keep room for those updates
 * (migrations 0047, 0048).
 *
 * The clock is set in 2005, before every other test file's but the sweep
 * fairness file's (2003, closed after it runs), so the global sweep here sees
 * only this file's payments.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2005, 2, 1, 8, 0, 0));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
});
afterAll(async () => stack?.close());

async function createPayment(expiresInSeconds: number): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount: 1_500, currency: 'USD', expires_in_seconds: expiresInSeconds });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.id as string;
}

const statusOf = async (id: string) => (await stack.api('GET', `/v1/payments/${id}`)).body.status as string;
const watched = async (id: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from payment_expiry_watch where payment_id = ${id}`.execute(stack.db.db)).rows[0]!.n;

class Counted extends Error {
  readonly counts: { updated: number; hot: number };
  constructor(counts: { updated: number; hot: number }) {
    super('counted');
    this.counts = counts;
  }
}

/** Updates and heap-only updates of `payments` the statements make, counted in their own transaction, which is rolled back. */
async function updatesOf(statements: string[]): Promise<{ updated: number; hot: number }> {
  try {
    await stack.db.db.transaction().execute(async (trx) => {
      for (const statement of statements) await sql.raw(statement).execute(trx);
      const counts = await sql<{ updated: number; hot: number }>`
        select pg_stat_get_xact_tuples_updated('payments'::regclass)::int as updated,
               pg_stat_get_xact_tuples_hot_updated('payments'::regclass)::int as hot`.execute(trx);
      throw new Counted(counts.rows[0]!);
    });
  } catch (error) {
    if (error instanceof Counted) return error.counts;
    throw error;
  }
  throw new Error('the transaction ended without counting');
}

describe('payment transitions', () => {
  it("are heap-only updates: a payment's way to processing and to its outcome writes no index entry", async () => {
    const id = await createPayment(600);
    const counts = await updatesOf([
      `update payments set status = 'processing', version = version + 1, updated_at = now(),
              payment_method = '{"type":"card","card":{"last4":"4242"}}' where id = '${id}'`,
      `update payments set status = 'succeeded', version = version + 1, updated_at = now(), amount_received = amount where id = '${id}'`,
    ]);
    expect(counts).toEqual({ updated: 2, hot: 2 });
  });

  it('leaves no index of payments naming a column a transition changes', async () => {
    const indexed = await sql<{ index: string; definition: string }>`
      select indexrelid::regclass::text as index, pg_get_indexdef(indexrelid) as definition
        from pg_index where indrelid = 'payments'::regclass`.execute(stack.db.db);
    expect(indexed.rows.length).toBeGreaterThan(0);
    for (const row of indexed.rows) expect(row.definition, row.index).not.toMatch(/\b(status|version|updated_at|amount_received|amount_capturable)\b/);
  });

  it('leaves room on each new page for the next versions of a payment and of an idempotency key (fillfactor)', async () => {
    const options = await sql<{ table: string; options: string[] | null }>`
      select relname as table, reloptions as options from pg_class where relname in ('payments', 'idempotency_keys') and relkind = 'r'`.execute(stack.db.db);
    const byTable = Object.fromEntries(options.rows.map((row) => [row.table, row.options ?? []]));
    expect(byTable.payments).toContain('fillfactor=80');
    expect(byTable.idempotency_keys).toContain('fillfactor=50');
  });
});

describe('the expiry sweep, from the watch', () => {
  it('cancels the open payments past their time, forgets the final ones and keeps one that may open again', async () => {
    const open = await createPayment(60);
    const paid = await createPayment(60);
    expect((await stack.api('POST', `/v1/payments/${paid}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
    const processing = await createPayment(60);
    await sql`update payments set status = 'processing' where id = ${processing}`.execute(stack.db.db);
    const later = await createPayment(3_600);
    for (const id of [open, paid, processing, later]) expect(await watched(id), id).toBe(1);

    clock.advanceMs(61_000);
    expect(await expireAbandonedPayments(stack.context)).toBe(1);
    expect(await statusOf(open)).toBe('canceled');
    expect(await watched(paid)).toBe(0);
    expect(await statusOf(processing)).toBe('processing');
    expect(await watched(processing)).toBe(1);
    expect(await statusOf(later)).toBe('requires_payment_method');
    expect(await watched(later)).toBe(1);

    // A declined attempt brings it back to requires_payment_method past its time: the next sweep cancels it.
    await sql`update payments set status = 'requires_payment_method' where id = ${processing}`.execute(stack.db.db);
    expect(await expireAbandonedPayments(stack.context)).toBe(1);
    expect(await statusOf(processing)).toBe('canceled');
    // Both canceled payments are forgotten by the run after.
    expect(await expireAbandonedPayments(stack.context)).toBe(0);
    for (const id of [open, processing]) expect(await watched(id), id).toBe(0);
    expect(await watched(later)).toBe(1);
  });

  it('forgets a payment that is gone (archived) and cancels nothing for it', async () => {
    clock.advanceMs(60_000);
    await sql`insert into payment_expiry_watch (payment_id, merchant_id, expires_at) values ('pay_gone_for_good', 'mer_gone_for_good', ${new Date(clock.nowMs() - 1_000)}::timestamptz)`.execute(
      stack.db.db,
    );
    expect(await expireAbandonedPayments(stack.context)).toBe(0);
    expect(await watched('pay_gone_for_good')).toBe(0);
  });
});
