/**
 * The analytics rollups are folded in batches from changes that every
 * payment's statements note (migration 0020). What must hold: a change noted
 * while a fold runs is counted exactly once; a fold that dies before it
 * commits loses nothing; and a summary read while folds lag still equals a
 * raw recount.
 */
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { analyticsFoldBacklog, foldAnalytics } from '../../src/store/analytics.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ instantRetries: true });
});
afterAll(async () => stack?.close());

type Merchant = Awaited<ReturnType<Stack['newMerchant']>>;

async function payments(merchant: Merchant, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const created = await stack.api('POST', '/v1/payments', { amount: 1_000 + i, currency: i % 2 ? 'CNY' : 'USD' }, { key: merchant.secretKey });
    const number = ['4242424242424242', '4000000000000002', '4000000000009995'][i % 3]!;
    const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(number) }, { key: merchant.secretKey });
    if (confirmed.body.status === 'succeeded' && i % 4 === 0) {
      await stack.api('POST', '/v1/refunds', { payment: created.body.id, amount: 100 }, { key: merchant.secretKey });
    }
    if (i % 5 === 1) await stack.api('POST', `/v1/payments/${created.body.id}/cancel`, { cancellation_reason: 'requested_by_customer' }, { key: merchant.secretKey });
  }
}

/** Rows where the rollups and a recount of the raw tables disagree, at every level (0 when exact). */
async function rollupMismatches(merchantId: string): Promise<number> {
  const result = await sql<{ mismatches: number }>`
    with raw_payments as (
      select hour, currency, count(*) as created, count(*) filter (where attempted) as attempted,
             count(*) filter (where outcome = 'succeeded') as succeeded, count(*) filter (where outcome = 'canceled') as canceled,
             count(*) filter (where refunded) as refunded, sum(amount_succeeded) as amount
        from analytics_payment_facts_live where merchant_id = ${merchantId} group by hour, currency
    ),
    hourly as (
      select hour, currency, sum(payments_created), sum(payments_attempted), sum(payments_succeeded), sum(payments_canceled),
             sum(payments_refunded), sum(amount_succeeded)
        from analytics_hourly_payments where merchant_id = ${merchantId} group by hour, currency
      having sum(payments_created) <> 0
    ),
    daily as (
      select day, currency, sum(payments_created), sum(payments_succeeded), sum(amount_succeeded)
        from analytics_daily_payments where merchant_id = ${merchantId} group by day, currency having sum(payments_created) <> 0
    ),
    raw_daily as (
      select analytics_day(hour), currency, sum(created), sum(succeeded), sum(amount) from raw_payments group by 1, 2
    ),
    raw_channels as (
      select analytics_hour(p.created_at) as hour, p.currency, a.payment_method_type, a.connector_account_id, a.latency_ms,
             count(*) as attempts, count(*) filter (where a.status = 'succeeded') as succeeded
        from payment_attempts a join payments p on p.id = a.payment_id
       where p.merchant_id = ${merchantId} and analytics_attempt_counted(a)
       group by 1, 2, 3, 4, 5
    ),
    channels as (
      select hour, currency, payment_method_type, connector_account_id, latency_ms, attempts, attempts_succeeded
        from analytics_hourly_channels where merchant_id = ${merchantId} and attempts <> 0
    ),
    raw_declines as (
      select analytics_hour(p.created_at) as hour, p.currency, analytics_decline_code(a) as code, count(*) as attempts
        from payment_attempts a join payments p on p.id = a.payment_id
       where p.merchant_id = ${merchantId} and analytics_attempt_counted(a) and a.status = 'failed'
       group by 1, 2, 3
    ),
    declines as (
      select hour, currency, code, sum(attempts) from analytics_hourly_declines where merchant_id = ${merchantId} group by 1, 2, 3 having sum(attempts) <> 0
    ),
    raw_channel_declines as (
      select analytics_hour(p.created_at) as hour, p.currency, a.payment_method_type, a.connector_account_id, analytics_decline_code(a) as code, count(*) as attempts
        from payment_attempts a join payments p on p.id = a.payment_id
       where p.merchant_id = ${merchantId} and analytics_attempt_counted(a) and a.status = 'failed'
       group by 1, 2, 3, 4, 5
    ),
    channel_declines as (
      select hour, currency, payment_method_type, connector_account_id, code, attempts
        from analytics_hourly_channel_declines where merchant_id = ${merchantId} and attempts <> 0
    ),
    raw_daily_channel_declines as (
      select analytics_day(hour), currency, payment_method_type, connector_account_id, code, sum(attempts) from raw_channel_declines group by 1, 2, 3, 4, 5
    ),
    daily_channel_declines as (
      select day, currency, payment_method_type, connector_account_id, code, attempts::numeric
        from analytics_daily_channel_declines where merchant_id = ${merchantId} and attempts <> 0
    )
    select ((select count(*) from (select * from raw_payments except select * from hourly) d)
          + (select count(*) from (select * from hourly except select * from raw_payments) d)
          + (select count(*) from (select * from raw_daily except select * from daily) d)
          + (select count(*) from (select * from daily except select * from raw_daily) d)
          + (select count(*) from (select * from raw_channels except select * from channels) d)
          + (select count(*) from (select * from channels except select * from raw_channels) d)
          + (select count(*) from (select * from raw_declines except select * from declines) d)
          + (select count(*) from (select * from declines except select * from raw_declines) d)
          + (select count(*) from (select * from raw_channel_declines except select * from channel_declines) d)
          + (select count(*) from (select * from channel_declines except select * from raw_channel_declines) d)
          + (select count(*) from (select * from raw_daily_channel_declines except select * from daily_channel_declines) d)
          + (select count(*) from (select * from daily_channel_declines except select * from raw_daily_channel_declines) d))::int as mismatches
  `.execute(stack.db.db);
  return result.rows[0]!.mismatches;
}

describe('folding the analytics rollups', () => {
  it('notes changes in the payment statements without counting them, and a summary read while folds lag equals a raw recount', async () => {
    const merchant = await stack.newMerchant();
    await payments(merchant, 12);
    expect(await analyticsFoldBacklog(stack.db.db, merchant.merchant.merchantId)).toBeGreaterThan(0);
    // Not folded yet: the rollups lag behind the raw rows (which shows the recount below can tell).
    expect(await rollupMismatches(merchant.merchant.merchantId)).toBeGreaterThan(0);
    const created = await sql<{ count: string }>`select count(*) as count from payments where merchant_id = ${merchant.merchant.merchantId}`.execute(stack.db.db);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const summary = await stack.api('GET', `/v1/analytics/summary?from=${from}&to=${to}`, undefined, { key: merchant.secretKey });
    expect(summary.status, JSON.stringify(summary.body)).toBe(200);
    expect(summary.body.payments_created).toBe(Number(created.rows[0]!.count));
    expect(await analyticsFoldBacklog(stack.db.db, merchant.merchant.merchantId)).toBe(0);
    expect(await rollupMismatches(merchant.merchant.merchantId)).toBe(0);
  });

  it('counts every change made while folds run exactly once', async () => {
    const merchant = await stack.newMerchant();
    let paying = true;
    const folding = (async () => {
      let rounds = 0;
      while (paying || rounds === 0) {
        await foldAnalytics(stack.db.db, null, { batchSize: 7, batchesMax: 3 });
        rounds += 1;
      }
      return rounds;
    })();
    const folding2 = (async () => {
      while (paying) await foldAnalytics(stack.db.db, merchant.merchant.merchantId, { batchSize: 5, batchesMax: 2 });
    })();
    try {
      await Promise.all([payments(merchant, 15), payments(merchant, 15)]);
    } finally {
      paying = false;
    }
    expect(await folding).toBeGreaterThan(1);
    await folding2;
    await foldAnalytics(stack.db.db, merchant.merchant.merchantId, { batchSize: 1_000, batchesMax: 10 });
    expect(await analyticsFoldBacklog(stack.db.db, merchant.merchant.merchantId)).toBe(0);
    expect(await rollupMismatches(merchant.merchant.merchantId)).toBe(0);
  });

  it('loses nothing when a fold dies before it commits', async () => {
    const merchant = await stack.newMerchant();
    await payments(merchant, 6);
    const backlog = await analyticsFoldBacklog(stack.db.db, merchant.merchant.merchantId);
    expect(backlog).toBeGreaterThan(0);
    const doomed = new pg.Client({ connectionString: inject('databaseUrl') });
    await doomed.connect();
    doomed.on('error', () => undefined);
    try {
      await doomed.query('begin');
      const folded = await doomed.query<{ folded: number; pid: number }>('select analytics_fold($1, 1000) as folded, pg_backend_pid() as pid', [merchant.merchant.merchantId]);
      expect(folded.rows[0]!.folded).toBe(backlog);
      await sql`select pg_terminate_backend(${folded.rows[0]!.pid})`.execute(stack.db.db);
      await expect(doomed.query('commit')).rejects.toThrow();
    } finally {
      await doomed.end().catch(() => undefined);
    }
    expect(await analyticsFoldBacklog(stack.db.db, merchant.merchant.merchantId)).toBe(backlog);
    await foldAnalytics(stack.db.db, merchant.merchant.merchantId, { batchSize: 1_000, batchesMax: 10 });
    expect(await rollupMismatches(merchant.merchant.merchantId)).toBe(0);
  });
});
