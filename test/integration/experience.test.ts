/**
 * GET /v1/analytics/experience, every KPI recounted from the raw rows
 * (payments, payment_events, funnel_events, payment_feedback) by code of
 * its own: churn against the previous period, repeat purchases, revenue per
 * customer and lifetime value per currency, time to pay per method and
 * device, CSAT and NPS.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const dayMs = 24 * 60 * 60 * 1000;
const previousStart = Date.UTC(2026, 8, 1);
const currentStart = previousStart + 7 * dayMs;
const currentEnd = currentStart + 7 * dayMs;
const clock = new ManualClock(previousStart + 60_000);
let stack: Stack;
const mobile = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const desktop = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36';

async function customer(name: string): Promise<string> {
  const created = await stack.api('POST', '/v1/customers', { name });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.id;
}

/** A payment; viewed on a device `viewedMs` before it is paid when asked; rated when asked. */
async function purchase(options: { customer?: string; amount: number; currency?: string; view?: { userAgent: string; waitMs: number }; rating?: { rating: number; nps?: number }; cancel?: boolean }) {
  clock.advanceMs(60_000);
  const payment = await stack.api('POST', '/v1/payments', { amount: options.amount, currency: options.currency ?? 'CNY', ...(options.customer ? { customer: options.customer } : {}) });
  expect(payment.status, JSON.stringify(payment.body)).toBe(200);
  if (options.view) {
    const viewed = await stack.api(
      'POST',
      `/v1/payments/${payment.body.id}/funnel_events`,
      { client_secret: payment.body.client_secret, type: 'checkout_viewed' },
      { key: stack.publishableKey, headers: { 'user-agent': options.view.userAgent } },
    );
    expect(viewed.status, JSON.stringify(viewed.body)).toBeLessThan(300);
    clock.advanceMs(options.view.waitMs);
  }
  if (options.cancel) {
    await stack.api('POST', `/v1/payments/${payment.body.id}/cancel`, { cancellation_reason: 'other' });
    return payment.body.id as string;
  }
  const confirmed = await stack.api('POST', `/v1/payments/${payment.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(confirmed.body.status).toBe('succeeded');
  if (options.rating) {
    const body = { client_secret: payment.body.client_secret, rating: options.rating.rating, ...(options.rating.nps === undefined ? {} : { nps_score: options.rating.nps }) };
    const rated = await stack.api('POST', `/v1/payments/${payment.body.id}/feedback`, body, { key: stack.publishableKey });
    expect(rated.status, JSON.stringify(rated.body)).toBe(200);
  }
  return payment.body.id as string;
}

beforeAll(async () => {
  stack = await startStack({ clock });
  const [onlyBefore, both, onlyNow, twiceBefore, neverPaid] = await Promise.all(['Only before', 'Both', 'Only now', 'Twice before', 'Never paid'].map(customer));
  // The previous period.
  await purchase({ customer: onlyBefore, amount: 3_000 });
  await purchase({ customer: both, amount: 5_000 });
  await purchase({ customer: twiceBefore, amount: 1_000 });
  await purchase({ customer: twiceBefore, amount: 1_500 });
  // This period.
  clock.setMs(currentStart + 60_000);
  await purchase({ customer: both, amount: 4_000, view: { userAgent: mobile, waitMs: 30_000 }, rating: { rating: 5, nps: 10 } });
  await purchase({ customer: both, amount: 2_001, view: { userAgent: desktop, waitMs: 95_000 }, rating: { rating: 4, nps: 7 } });
  await purchase({ customer: both, amount: 1_000, currency: 'USD', view: { userAgent: mobile, waitMs: 12_345 } });
  await purchase({ customer: onlyNow, amount: 9_999, currency: 'USD', rating: { rating: 2, nps: 3 } });
  await purchase({ customer: neverPaid, amount: 7_000, view: { userAgent: desktop, waitMs: 5_000 }, cancel: true });
  await purchase({ amount: 800, view: { userAgent: mobile, waitMs: 61_000 }, rating: { rating: 3 } });
  // After the period: not counted.
  clock.setMs(currentEnd + 60_000);
  await purchase({ customer: onlyBefore, amount: 3_000 });
}, 90_000);
afterAll(async () => stack?.close());

const periodQuery = `from=${new Date(currentStart).toISOString()}&to=${new Date(currentEnd).toISOString()}`;

interface RawPayment {
  id: string;
  customer_id: string | null;
  status: string;
  purpose: string;
  currency: string;
  amount_received: string;
  created_at: Date;
  method: string | null;
}

async function raw() {
  const merchant = stack.merchant.merchantId;
  const payments = (await sql<RawPayment>`select id, customer_id, status, purpose, currency, amount_received::text, created_at, payment_method ->> 'type' as method from payments where merchant_id = ${merchant} and mode = 'test'`.execute(stack.db.db)).rows;
  const events = (await sql<{ payment_id: string; id: string; to_status: string; created_at: Date }>`select payment_id, id, to_status, created_at from payment_events where merchant_id = ${merchant}`.execute(stack.db.db)).rows;
  const funnel = (await sql<{ payment_id: string; id: string; type: string; device_class: string | null; created_at: Date }>`select payment_id, id::text, type, device_class, created_at from funnel_events where merchant_id = ${merchant}`.execute(stack.db.db)).rows;
  const feedback = (await sql<{ payment_id: string; rating: number; nps_score: number | null }>`select payment_id, rating, nps_score from payment_feedback where merchant_id = ${merchant}`.execute(stack.db.db)).rows;
  return { payments, events, funnel, feedback };
}

const inPeriod = (t: Date, from: number, to: number) => t.getTime() >= from && t.getTime() < to;
const halfUp = (n: bigint, d: bigint) => (2n * n + d) / (2n * d);
const rate4 = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);

describe('GET /v1/analytics/experience', () => {
  it('recounts churn, repeat purchases, revenue per customer and lifetime value from the payments', async () => {
    const response = await stack.api('GET', `/v1/analytics/experience?${periodQuery}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body;
    const { payments } = await raw();
    const purchases = payments.filter((p) => p.purpose === 'payment' && p.status === 'succeeded' && p.customer_id !== null);
    const previous = purchases.filter((p) => inPeriod(p.created_at, currentStart - 7 * dayMs, currentStart));
    const current = purchases.filter((p) => inPeriod(p.created_at, currentStart, currentEnd));
    const before = new Set(previous.map((p) => p.customer_id));
    const now = new Set(current.map((p) => p.customer_id));
    const churned = [...before].filter((c) => !now.has(c)).length;
    const perCustomer = new Map<string, number>();
    for (const p of current) perCustomer.set(p.customer_id as string, (perCustomer.get(p.customer_id as string) ?? 0) + 1);
    const repeat = [...perCustomer.values()].filter((n) => n >= 2).length;
    expect(body.customers).toEqual({
      paying_previous_period: before.size,
      paying_this_period: now.size,
      churned,
      churn_rate: rate4(churned, before.size),
      repeat_customers: repeat,
      repeat_purchase_rate: rate4(repeat, now.size),
      expected_lifetime_periods: churned === 0 ? null : Math.round((before.size / churned) * 10_000) / 10_000,
    });
    // What the seeded payers did, so the recount is not trivially empty: 3 before, 2 now, 2 churned, 1 repeat.
    expect(body.customers).toMatchObject({ paying_previous_period: 3, paying_this_period: 2, churned: 2, repeat_customers: 1, churn_rate: 0.6667 });
    const currencies = [...new Set(current.map((p) => p.currency))].sort();
    expect(body.revenue.map((r: { currency: string }) => r.currency)).toEqual(currencies);
    for (const currency of currencies) {
      const mine = current.filter((p) => p.currency === currency);
      const revenue = mine.reduce((sum, p) => sum + BigInt(p.amount_received), 0n);
      const customers = new Set(mine.map((p) => p.customer_id)).size;
      expect(body.revenue.find((r: { currency: string }) => r.currency === currency)).toEqual({
        currency,
        purchases: mine.length,
        customers,
        revenue: Number(revenue),
        revenue_per_customer: Number(halfUp(revenue, BigInt(customers))),
        customer_lifetime_value: Number(halfUp(revenue * BigInt(before.size), BigInt(customers) * BigInt(churned))),
      });
    }
    expect(body.revenue.find((r: { currency: string }) => r.currency === 'CNY')).toMatchObject({ revenue: 6_001, customers: 1, revenue_per_customer: 6_001, customer_lifetime_value: 9_002 });
  });

  it('recounts the average time to pay per method and per device from the funnel and the payment events', async () => {
    const body = (await stack.api('GET', `/v1/analytics/experience?${periodQuery}`)).body;
    const { payments, events, funnel } = await raw();
    const timed = payments
      .filter((p) => p.purpose === 'payment' && inPeriod(p.created_at, currentStart, currentEnd))
      .flatMap((p) => {
        const view = funnel.filter((f) => f.payment_id === p.id && f.type === 'checkout_viewed').sort((a, b) => Number(a.id) - Number(b.id))[0];
        const success = events.filter((e) => e.payment_id === p.id && e.to_status === 'succeeded').sort((a, b) => a.id.localeCompare(b.id))[0];
        if (!view || !success) return [];
        return [{ method: p.method ?? 'unknown', device: view.device_class ?? 'unknown', ms: Math.max(0, success.created_at.getTime() - view.created_at.getTime()) }];
      });
    const average = (list: typeof timed) => ({ payments: list.length, average_ms: list.length === 0 ? null : Math.round(list.reduce((s, t) => s + t.ms, 0) / list.length) });
    expect(body.time_to_pay.overall).toEqual(average(timed));
    expect(body.time_to_pay.overall.payments).toBe(4);
    const devices = [...new Set(timed.map((t) => t.device))].sort();
    expect(body.time_to_pay.by_device).toEqual(devices.map((device) => ({ device_class: device, ...average(timed.filter((t) => t.device === device)) })));
    const methods = [...new Set(timed.map((t) => t.method))].sort();
    expect(body.time_to_pay.by_method).toEqual(methods.map((method) => ({ payment_method_type: method, ...average(timed.filter((t) => t.method === method)) })));
    // The seeded waits: mobile 30 000, 12 345 and 61 000 ms; desktop 95 000 ms (the canceled one never succeeded).
    expect(body.time_to_pay.by_device).toEqual([
      { device_class: 'desktop', payments: 1, average_ms: 95_000 },
      { device_class: 'mobile', payments: 3, average_ms: 34_448 },
    ]);
  });

  it('recounts CSAT and NPS from the ratings of the period, and answers the support figures and the fraud rate of the period', async () => {
    const body = (await stack.api('GET', `/v1/analytics/experience?${periodQuery}`)).body;
    const { payments, feedback } = await raw();
    const ids = new Set(payments.filter((p) => inPeriod(p.created_at, currentStart, currentEnd)).map((p) => p.id));
    const ratings = feedback.filter((f) => ids.has(f.payment_id));
    const nps = ratings.flatMap((f) => (f.nps_score === null ? [] : [f.nps_score]));
    const promoters = nps.filter((s) => s >= 9).length;
    const detractors = nps.filter((s) => s <= 6).length;
    expect(body.satisfaction).toEqual({
      responses: ratings.length,
      csat: rate4(ratings.filter((f) => f.rating >= 4).length, ratings.length),
      nps_responses: nps.length,
      nps: nps.length === 0 ? null : Math.round(((promoters - detractors) * 100 * 100) / nps.length) / 100,
    });
    expect(body.satisfaction).toMatchObject({ responses: 4, csat: 0.5, nps_responses: 3, nps: 0 });
    // The risk capability's fraud rate of the same period (recounted from its rows in risk-analytics.test.ts).
    const risk = (await stack.api('GET', `/v1/analytics/risk?${periodQuery}`)).body;
    expect(body.fraud).toEqual({ payments_succeeded: risk.payments_succeeded, payments_marked_fraudulent: risk.payments_fraudulent, fraud_rate: risk.fraud_rate });
    expect(body.fraud.payments_succeeded).toBeGreaterThan(0);
    // The support capability's own figures of the same period (recounted from its rows in support-requests.test.ts).
    const support = (await stack.api('GET', `/v1/analytics/support?${periodQuery}`)).body;
    const { object: _object, from: _from, to: _to, faq: _faq, ...supportFigures } = support;
    expect(body.support).toEqual(supportFigures);
    expect(body.support).toMatchObject({ requests: 0, first_response_time: { count: 0, average_seconds: null } });
  });

  it('answers nulls, not zeros, for a period without data, and refuses a reversed or too long range', async () => {
    const empty = (await stack.api('GET', '/v1/analytics/experience?from=2020-01-01T00:00:00Z&to=2020-01-08T00:00:00Z')).body;
    expect(empty.customers).toMatchObject({ paying_previous_period: 0, churn_rate: null, repeat_purchase_rate: null, expected_lifetime_periods: null });
    expect(empty.revenue).toEqual([]);
    expect(empty.time_to_pay.overall).toEqual({ payments: 0, average_ms: null });
    expect(empty.satisfaction.csat).toBeNull();
    expect((await stack.api('GET', `/v1/analytics/experience?from=${new Date(currentEnd).toISOString()}&to=${new Date(currentStart).toISOString()}`)).status).toBe(400);
    expect((await stack.api('GET', '/v1/analytics/experience?from=2020-01-01T00:00:00Z&to=2021-06-01T00:00:00Z')).status).toBe(400);
  });
});
