/**
 * Defence in depth (issue 19 item 5): a store call that reads or changes a
 * row by its id also names the row's merchant, so the same id with another
 * merchant's id finds and changes nothing, whatever a caller got wrong.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBreakerFailure, recordBreakerSuccess, leaseBreakerProbe } from '../../src/store/connector-breakers.ts';
import { redemptionCtes } from '../../src/store/coupons.ts';
import { requestStatusQuery } from '../../src/store/notifications.ts';
import { listAttempts, updateAttempt } from '../../src/store/payments.ts';
import { settleRefund } from '../../src/store/refunds.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let otherMerchantId: string;
beforeAll(async () => {
  stack = await startStack({ instantRetries: true });
  otherMerchantId = (await stack.newMerchant({ name: 'Other Merchant' })).merchant.merchantId;
});
afterAll(async () => {
  await stack?.close();
});

async function paid(body: Record<string, unknown>): Promise<{ id: string; status: string }> {
  const created = await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY', ...body });
  expect(created.status).toBe(200);
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(confirmed.status).toBe(200);
  return confirmed.body;
}

describe("a row's id with another merchant's id", () => {
  it('changes no payment attempt (an update by id, a status query brought forward)', async () => {
    const payment = await paid({});
    const merchantId = stack.merchant.merchantId;
    const [attempt] = await listAttempts(stack.db.db, merchantId, payment.id);
    expect(attempt?.status).toBe('succeeded');
    const far = new Date(Date.now() + 86_400_000);
    await updateAttempt(stack.db.db, otherMerchantId, { id: attempt!.id, status: 'failed', provider_reference: null, error_code: 'x', decline_code: null, tries: 9, latency_ms: null, completed: true, next_query_at: far }, new Date());
    await sql`update payment_attempts set status = 'unknown' where id = ${attempt!.id}`.execute(stack.db.db);
    await requestStatusQuery(stack.db.db, otherMerchantId, attempt!.id, far);
    const after = (await sql<{ status: string; tries: number; next_query_at: Date | null }>`select status, tries, next_query_at from payment_attempts where id = ${attempt!.id}`.execute(stack.db.db)).rows[0]!;
    expect(after.tries).toBe(attempt!.tries);
    expect(after.next_query_at?.getTime() ?? null).toBe(attempt!.next_query_at?.getTime() ?? null);
    // Its own merchant's id still changes it.
    await requestStatusQuery(stack.db.db, merchantId, attempt!.id, far);
    const own = (await sql<{ next_query_at: Date | null }>`select next_query_at from payment_attempts where id = ${attempt!.id}`.execute(stack.db.db)).rows[0]!;
    expect(own.next_query_at?.getTime()).toBe(far.getTime());
    await sql`update payment_attempts set status = 'succeeded' where id = ${attempt!.id}`.execute(stack.db.db);
  });

  it('settles no refund, reads none of its rows, and restores no coupon redemption', async () => {
    const coupon = await stack.api('POST', '/v1/coupons', { code: `T${Date.now()}`, currency: 'CNY', amount_off: 100 });
    expect(coupon.status).toBe(200);
    const payment = await paid({ coupon: coupon.body.code });
    expect(payment.status).toBe('succeeded');
    const refunded = await stack.api('POST', '/v1/refunds', { payment: payment.id });
    expect(refunded.status).toBe(200);
    // Back to pending, as a refund whose outcome the provider has not told yet.
    await sql`update refunds set status = 'pending' where id = ${refunded.body.id}`.execute(stack.db.db);
    await sql`update coupon_redemptions set status = 'consumed', restored_at = null where payment_id = ${payment.id}`.execute(stack.db.db);
    await sql`update coupons set redemptions_held = redemptions_held + 1 where id = ${coupon.body.id}`.execute(stack.db.db);
    const update = { refundId: refunded.body.id, status: 'succeeded' as const, failureReason: null, providerReference: null, nextQueryAt: null, event: null, now: new Date() };
    expect(await settleRefund(stack.db.db, { ...update, merchantId: otherMerchantId })).toBeUndefined();
    const status = async () =>
      (await sql<{ refund: string; redemption: string }>`
        select r.status as refund, cr.status as redemption from refunds r join coupon_redemptions cr on cr.payment_id = r.payment_id where r.id = ${refunded.body.id}`.execute(stack.db.db)).rows[0];
    expect(await status()).toEqual({ refund: 'pending', redemption: 'consumed' });
    expect((await settleRefund(stack.db.db, { ...update, merchantId: stack.merchant.merchantId }))?.status).toBe('succeeded');
    expect(await status()).toEqual({ refund: 'succeeded', redemption: 'restored' });
  });

  it('consumes and releases no coupon redemption', async () => {
    const coupon = await stack.api('POST', '/v1/coupons', { code: `R${Date.now()}`, currency: 'CNY', amount_off: 100 });
    expect(coupon.status).toBe(200);
    const payment = await paid({ coupon: coupon.body.code, capture_method: 'manual' });
    expect(payment.status).toBe('requires_capture');
    const held = async () =>
      (await sql<{ status: string; held: number }>`
        select cr.status, c.redemptions_held as held from coupon_redemptions cr join coupons c on c.id = cr.coupon_id where cr.payment_id = ${payment.id}`.execute(stack.db.db)).rows[0];
    expect(await held()).toEqual({ status: 'reserved', held: 1 });
    const other = { merchantId: otherMerchantId, mode: 'test' as const };
    for (const step of ['consume', 'release'] as const) {
      const change = { step, couponId: coupon.body.id, customerId: null, redemptionId: 'unused', amountDiscount: 100n, currency: 'CNY' };
      await sql`with moved as (select 1 as one), ${redemptionCtes(change, other, payment.id, new Date(), 'moved')} select 1`.execute(stack.db.db);
      expect(await held()).toEqual({ status: 'reserved', held: 1 });
    }
  });

  it("changes no connector account's circuit breaker", async () => {
    const accountId = stack.cardAccountId;
    const now = new Date();
    const breaker = async () =>
      (await sql<{ failures: number; state: string }>`select failures, state from connector_account_breakers where account_id = ${accountId}`.execute(stack.db.db)).rows[0];
    expect(await recordBreakerFailure(stack.db.db, { accountId, merchantId: otherMerchantId, holder: 'h', failuresToOpen: 1, now })).toBeNull();
    expect((await breaker())?.failures ?? 0).toBe(0);
    const opened = await recordBreakerFailure(stack.db.db, { accountId, merchantId: stack.merchant.merchantId, holder: 'h', failuresToOpen: 1, now });
    expect(opened?.breaker.state).toBe('open');
    const later = new Date(now.getTime() + 60_000);
    expect(await leaseBreakerProbe(stack.db.db, { accountId, merchantId: otherMerchantId, holder: 'h', now: later, cooldownMs: 1, leaseMs: 1_000 })).toBeNull();
    expect(await leaseBreakerProbe(stack.db.db, { accountId, merchantId: stack.merchant.merchantId, holder: 'h', now: later, cooldownMs: 1, leaseMs: 1_000 })).not.toBeNull();
    expect(await recordBreakerSuccess(stack.db.db, { accountId, merchantId: otherMerchantId, holder: 'h', now: later })).toBeNull();
    expect((await breaker())?.state).toBe('open');
    expect((await recordBreakerSuccess(stack.db.db, { accountId, merchantId: stack.merchant.merchantId, holder: 'h', now: later }))?.breaker.state).toBe('closed');
  });
});
