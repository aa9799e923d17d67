/**
 * GET /v1/analytics/coupons: every figure recounted from the raw rows
 * (payments and coupon_redemptions, read here with plain queries of their
 * own), and checked against the figures this test knows it made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let key: string;
let merchantId: string;
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => stack.api(method, path, body, { key, headers });

beforeAll(async () => {
  stack = await startStack();
  const merchant = await stack.newMerchant();
  key = merchant.secretKey;
  merchantId = merchant.merchant.merchantId;
});
afterAll(async () => stack?.close());

async function pay(fields: Record<string, unknown>, cardNumber: string | null) {
  const created = await api('POST', '/v1/payments', { currency: 'CNY', ...fields });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  if (cardNumber) await api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(cardNumber) });
  return created.body.id as string;
}

describe('coupon analytics', () => {
  it('counts redemptions, discount given and conversion with and without a coupon, as the raw rows do', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const tenOff = (await api('POST', '/v1/coupons', { code: `TEN${Date.now()}`, currency: 'CNY', percent_off: 10, campaign: 'autumn' })).body;
    const fiveOff = (await api('POST', '/v1/coupons', { code: `FIVE${Date.now()}`, currency: 'CNY', amount_off: 500 })).body;
    const usd = (await api('POST', '/v1/coupons', { code: `USD${Date.now()}`, currency: 'USD', amount_off: 100 })).body;
    // With a coupon: three paid (one then refunded in full), one declined then canceled, one left open, one paid in USD.
    await pay({ amount: 10_000, coupon: tenOff.code }, '4242424242424242');
    await pay({ amount: 20_000, coupon: tenOff.code }, '4242424242424242');
    const refunded = await pay({ amount: 3_000, coupon: fiveOff.code }, '4242424242424242');
    expect((await api('POST', '/v1/refunds', { payment: refunded })).body.status).toBe('succeeded');
    const declined = await pay({ amount: 4_000, coupon: fiveOff.code }, '4000000000000002');
    await api('POST', `/v1/payments/${declined}/cancel`, { cancellation_reason: 'requested_by_customer' });
    await pay({ amount: 5_000, coupon: tenOff.code }, null);
    await pay({ amount: 2_000, currency: 'USD', coupon: usd.code }, '4242424242424242');
    // Without: two paid, one declined, one open.
    await pay({ amount: 1_000 }, '4242424242424242');
    await pay({ amount: 1_500 }, '4242424242424242');
    await pay({ amount: 2_500 }, '4000000000000002');
    await pay({ amount: 3_500 }, null);
    const to = new Date(Date.now() + 1000).toISOString();

    const answer = await api('GET', `/v1/analytics/coupons?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const figures = answer.body;
    // What the test made.
    expect(figures.redemptions).toEqual({ reserved: 0, consumed: 3, released: 1, restored: 1 });
    expect(figures.with_coupon).toEqual({ payments_created: 6, payments_succeeded: 4, conversion_rate: 0.6667 });
    expect(figures.without_coupon).toEqual({ payments_created: 4, payments_succeeded: 2, conversion_rate: 0.5 });
    expect(figures.amounts).toEqual([
      { currency: 'CNY', discount_given: 1000 + 2000, amount_received_with_coupon: 9000 + 18000 + 2500 },
      { currency: 'USD', discount_given: 100, amount_received_with_coupon: 1900 },
    ]);
    const byCode = Object.fromEntries(figures.by_coupon.map((row: { code: string }) => [row.code, row]));
    expect(byCode[tenOff.code]).toMatchObject({ campaign: 'autumn', redemptions_consumed: 2, discount_given: 3000, payments_succeeded: 2, amount_received: 27_000 });
    expect(byCode[fiveOff.code]).toMatchObject({ redemptions_consumed: 0, discount_given: 0, payments_succeeded: 1 });

    // Recounted from the raw rows with queries of this test's own.
    const payments = await stack.db.db.selectFrom('payments').selectAll().where('merchant_id', '=', merchantId).where('created_at', '>=', new Date(from)).where('created_at', '<', new Date(to)).execute();
    const redemptions = await stack.db.db.selectFrom('coupon_redemptions').selectAll().where('merchant_id', '=', merchantId).execute();
    const inRange = new Set(payments.map((p) => p.id));
    const mine = redemptions.filter((r) => inRange.has(r.payment_id));
    const byStatus = { reserved: 0, consumed: 0, released: 0, restored: 0 };
    for (const r of mine) byStatus[r.status] += 1;
    expect(figures.redemptions).toEqual(byStatus);
    for (const [group, withCoupon] of [['with_coupon', true], ['without_coupon', false]] as const) {
      const these = payments.filter((p) => (p.coupon_id !== null) === withCoupon);
      const succeeded = these.filter((p) => p.status === 'succeeded').length;
      expect(figures[group].payments_created).toBe(these.length);
      expect(figures[group].payments_succeeded).toBe(succeeded);
      expect(figures[group].conversion_rate).toBe(Math.round((succeeded / these.length) * 10_000) / 10_000);
    }
    for (const row of figures.amounts) {
      const discount = mine.filter((r) => r.status === 'consumed' && r.currency === row.currency).reduce((sum, r) => sum + r.amount_discount, 0n);
      const received = payments.filter((p) => p.coupon_id !== null && p.status === 'succeeded' && p.currency === row.currency).reduce((sum, p) => sum + p.amount_received, 0n);
      expect(BigInt(row.discount_given)).toBe(discount);
      expect(BigInt(row.amount_received_with_coupon)).toBe(received);
    }

    // One currency; and CSV, one row per coupon.
    const usdOnly = await api('GET', `/v1/analytics/coupons?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&currency=USD`);
    expect(usdOnly.body.with_coupon).toEqual({ payments_created: 1, payments_succeeded: 1, conversion_rate: 1 });
    expect(usdOnly.body.without_coupon).toEqual({ payments_created: 0, payments_succeeded: 0, conversion_rate: null });
    const csv = await api('GET', `/v1/analytics/coupons?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, undefined, { accept: 'text/csv' });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = String(csv.body).trim().split(/\r?\n/);
    expect(lines[0]).toBe('coupon,code,campaign,currency,redemptions_consumed,discount_given,payments_succeeded,amount_received');
    expect(lines).toHaveLength(4);
  });

  it('refuses a range that ends before it starts', async () => {
    const answer = await api('GET', '/v1/analytics/coupons?from=2026-12-02&to=2026-12-01');
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'parameter_invalid', param: 'to' });
  });
});
