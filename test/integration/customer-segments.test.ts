/**
 * GET /v1/analytics/customer_segments over HTTP: a merchant with ordinary
 * card payers, planted frequent cancelers and a few retriers; the answer
 * must separate the cancelers, and only them, into frequent_cancelers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const start = Date.UTC(2026, 9, 1, 8);
const clock = new ManualClock(start);
let stack: Stack;
const ordinary: string[] = [];
const cancelers: string[] = [];
const retriers: string[] = [];
const reasons = ['requested_by_customer', 'price_changed', 'too_complicated', 'duplicate', 'other'] as const;

async function newCustomer(name: string): Promise<string> {
  const created = await stack.api('POST', '/v1/customers', { name });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.id;
}

async function pay(customer: string, amount: number, ...cards: string[]): Promise<void> {
  clock.advanceMs(60_000);
  const payment = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', customer });
  expect(payment.status, JSON.stringify(payment.body)).toBe(200);
  for (const number of cards) await stack.api('POST', `/v1/payments/${payment.body.id}/confirm`, { payment_method: card(number) });
}

async function createAndCancel(customer: string, reason: string): Promise<void> {
  clock.advanceMs(60_000);
  const payment = await stack.api('POST', '/v1/payments', { amount: 4_500, currency: 'CNY', customer });
  const canceled = await stack.api('POST', `/v1/payments/${payment.body.id}/cancel`, { cancellation_reason: reason, comment: 'changed my mind' });
  expect(canceled.body.status, JSON.stringify(canceled.body)).toBe('canceled');
}

beforeAll(async () => {
  stack = await startStack({ clock });
  for (let i = 0; i < 30; i += 1) {
    const id = await newCustomer(`Ordinary ${i}`);
    ordinary.push(id);
    for (let n = 0; n < 3; n += 1) await pay(id, 2_000 + ((i * 7 + n * 13) % 40) * 100, '4242424242424242');
  }
  for (let i = 0; i < 6; i += 1) {
    const id = await newCustomer(`Canceler ${i}`);
    cancelers.push(id);
    for (let n = 0; n < 5; n += 1) await createAndCancel(id, reasons[(i + n) % reasons.length] ?? 'other');
    await pay(id, 4_500, '4242424242424242');
  }
  for (let i = 0; i < 4; i += 1) {
    const id = await newCustomer(`Retrier ${i}`);
    retriers.push(id);
    for (let n = 0; n < 3; n += 1) await pay(id, 3_000, '4000000000009995', '4000000000000002', '4242424242424242');
  }
}, 120_000);
afterAll(async () => stack?.close());

const range = () => `from=${new Date(start).toISOString()}&to=${new Date(clock.nowMs() + 1).toISOString()}`;

describe('customer segments', () => {
  it('separates every planted frequent canceler into one segment named frequent_cancelers, with no ordinary customer in it', async () => {
    const response = await stack.api('GET', `/v1/analytics/customer_segments?${range()}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body;
    expect(body).toMatchObject({ object: 'customer_segments', k: 4, min_payments: 2, customers_total: 40, customers_segmented: 40, currency: null });
    const named = body.segments.filter((s: { name: string }) => s.name === 'frequent_cancelers');
    expect(named).toHaveLength(1);
    const segment = named[0];
    expect([...segment.customers].sort()).toEqual([...cancelers].sort());
    expect(segment.size).toBe(6);
    expect(segment.customers.some((id: string) => ordinary.includes(id) || retriers.includes(id))).toBe(false);
    expect(segment.label).toBe('Frequent cancelers');
    expect(segment.distinguishing_feature).toMatchObject({ feature: 'cancellation_rate', direction: 'above' });
    expect(segment.centroid).toMatchObject({ cancellation_rate: 0.8333, abandonment_rate: 0, attempts_per_payment: 0.1667, average_amount: { CNY: 4_500 }, method_mix: { card: 1 } });
    // Every customer is in exactly one segment.
    const all = body.segments.flatMap((s: { customers: string[] }) => s.customers);
    expect(new Set(all).size).toBe(40);
    expect(body.segments.reduce((sum: number, s: { size: number }) => sum + s.size, 0)).toBe(40);
  });

  it('puts the retriers (declines, then success) into a segment of their own', async () => {
    const body = (await stack.api('GET', `/v1/analytics/customer_segments?${range()}`)).body;
    const segment = body.segments.find((s: { name: string }) => s.name === 'retriers');
    expect([...segment.customers].sort()).toEqual([...retriers].sort());
    expect(segment.centroid.attempts_per_payment).toBe(3);
  });

  it('answers the same segments every time, labelled in the language asked', async () => {
    const a = await stack.api('GET', `/v1/analytics/customer_segments?${range()}`);
    const b = await stack.api('GET', `/v1/analytics/customer_segments?${range()}`, undefined, { headers: { 'accept-language': 'zh-CN' } });
    expect(b.body.segments.map((s: { customers: string[] }) => s.customers)).toEqual(a.body.segments.map((s: { customers: string[] }) => s.customers));
    expect(b.body.segments.find((s: { name: string }) => s.name === 'frequent_cancelers').label).toBe('经常取消的顾客');
  });

  it('leaves out customers below min_payments and ranges without them', async () => {
    const few = await stack.api('GET', `/v1/analytics/customer_segments?${range()}&min_payments=6`);
    expect(few.body.customers_total).toBe(6);
    expect(few.body.segments.flatMap((s: { customers: string[] }) => s.customers).sort()).toEqual([...cancelers].sort());
    const empty = await stack.api('GET', `/v1/analytics/customer_segments?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`);
    expect(empty.body).toMatchObject({ k: 0, customers_total: 0, segments: [] });
    const otherCurrency = await stack.api('GET', `/v1/analytics/customer_segments?${range()}&currency=USD`);
    expect(otherCurrency.body).toMatchObject({ currency: 'USD', customers_total: 0, segments: [] });
  });

  it('defaults to the 90 days before now', async () => {
    const body = (await stack.api('GET', '/v1/analytics/customer_segments')).body;
    expect(Date.parse(body.to)).toBe(clock.nowMs());
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(90 * 24 * 60 * 60 * 1000);
    expect(body.customers_total).toBe(40);
  });

  it('answers CSV with one row per customer and its segment when asked with Accept: text/csv', async () => {
    const response = await stack.api('GET', `/v1/analytics/customer_segments?${range()}`, undefined, { headers: { accept: 'text/csv' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = String(response.body).trimEnd().split('\r\n');
    expect(lines[0]).toBe('customer,segment,payments,cancellation_rate,abandonment_rate,attempts_per_payment,average_amount.CNY,method_mix.card');
    expect(lines).toHaveLength(41);
    for (const id of cancelers) expect(lines.find((line) => line.startsWith(`${id},`))).toMatch(new RegExp(`^${id},frequent_cancelers,6,0.8333,0,0.1667,4500,1$`));
  });
});

describe('customer segments: the reference', () => {
  it('describes the endpoint, its features and its naming in the OpenAPI description', async () => {
    const spec = (await stack.api('GET', '/openapi.json', undefined, { key: null })).body;
    const operation = spec.paths['/v1/analytics/customer_segments'].get;
    expect(operation.description).toContain('k-means');
    expect(operation.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name).sort()).toEqual(['currency', 'from', 'k', 'min_payments', 'to']);
  });
});

describe('customer segments: refusals', () => {
  it.each([
    ['from after to', 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'parameter_invalid'],
    ['an unreadable time', 'from=yesterday', 'parameter_invalid'],
    ['k of 0', 'k=0', 'parameter_invalid'],
    ['k above the maximum', 'k=11', 'parameter_invalid'],
    ['a lower-case currency', 'currency=cny', 'currency_invalid'],
    ['an unknown parameter', 'segments=3', 'parameter_unknown'],
  ])('refuses %s with 400', async (_title, query, code) => {
    const response = await stack.api('GET', `/v1/analytics/customer_segments?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error.code).toBe(code);
  });

  it('needs a secret key, and never shows another merchant’s customers', async () => {
    expect((await stack.api('GET', '/v1/analytics/customer_segments', undefined, { key: null })).status).toBe(401);
    expect((await stack.api('GET', '/v1/analytics/customer_segments', undefined, { key: stack.publishableKey })).status).toBe(403);
    const other = await stack.newMerchant();
    const body = (await stack.api('GET', `/v1/analytics/customer_segments?${range()}`, undefined, { key: other.secretKey })).body;
    expect(body).toMatchObject({ customers_total: 0, segments: [] });
  });
});
