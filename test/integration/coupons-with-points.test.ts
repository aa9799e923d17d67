/**
 * A coupon and loyalty points on one payment: a coupon that does not stack
 * with points refuses them at confirm before any point is reserved or any
 * provider is called; one that stacks takes both off, and the amounts the
 * payment shows add up (original = charged + discount + points' value).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/store/ledger.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const hourMs = 3_600_000;
let stack: Stack;
const clock = new ManualClock(Date.parse('2026-11-22T08:00:00Z'));
let codes = 0;

beforeAll(async () => {
  stack = await startStack({ clock });
  const programme = {
    enabled: true,
    currency: 'CNY',
    earn: { points_per_unit: 10, by_payment_method: {}, segment_percent: {}, campaigns: [] },
    spend_delay_hours: 24,
    expiry_days: 30,
    redemption: { points: 100, amount: 100, cap_percent: 50 },
  };
  const set = await stack.api('PUT', '/v1/loyalty/programme', programme);
  expect(set.status, JSON.stringify(set.body)).toBe(200);
});
afterAll(async () => stack?.close());

/** A customer holding `spendable` points: earned by a payment, past the delay. */
async function customerWithPoints(spendable: number): Promise<string> {
  const customer = await stack.api('POST', '/v1/customers', { email: 'payer@example.com', locale: 'en' });
  expect(customer.status).toBe(200);
  const created = await stack.api('POST', '/v1/payments', { amount: spendable * 10, currency: 'CNY', customer: customer.body.id });
  const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(paid.body).toMatchObject({ status: 'succeeded', points: { earned: spendable } });
  clock.advanceMs(25 * hourMs);
  return customer.body.id as string;
}

async function coupon(stackable: boolean): Promise<string> {
  codes += 1;
  const code = `STACK${stackable ? 'Y' : 'N'}${codes}`;
  const created = await stack.api('POST', '/v1/coupons', { code, currency: 'CNY', amount_off: 200, stackable_with_points: stackable });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return code;
}

describe('a coupon with points', () => {
  it('refuses points with a coupon that does not stack with them, reserving nothing, and pays with the coupon alone after', async () => {
    const customer = await customerWithPoints(500);
    const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', customer, coupon: await coupon(false) });
    expect(created.body).toMatchObject({ amount: 800, amount_original: 1000, amount_discount: 200 });
    const refused = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242'), points: 100 });
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'coupon_not_stackable_with_points', param: 'points' });
    const points = await stack.api('GET', `/v1/customers/${customer}/points`);
    expect(points.body).toMatchObject({ balance: 500, reserved: 0 });
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(paid.body).toMatchObject({ status: 'succeeded', amount: 800, amount_discount: 200 });
    expect((await verifyLedger(stack.db.db)).problems).toEqual([]);
  });

  it('takes both off with a coupon that stacks, and the amounts add up', async () => {
    const customer = await customerWithPoints(500);
    const created = await stack.api('POST', '/v1/payments', { amount: 1000, currency: 'CNY', customer, coupon: await coupon(true) });
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242'), points: 100 });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body).toMatchObject({ status: 'succeeded', amount: 700, amount_discount: 200, points: { redeemed: 100, value: 100 } });
    expect(paid.body.amount_original).toBe(paid.body.amount + paid.body.amount_discount + paid.body.points.value);
    expect((await verifyLedger(stack.db.db)).problems).toEqual([]);
  });
});
