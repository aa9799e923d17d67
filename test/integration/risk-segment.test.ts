/**
 * The customer's k-means segment as a risk signal (issue 18): a merchant with
 * ordinary payers and planted frequent cancelers keeps a segmentation
 * (GET /v1/analytics/customer_segments); a rule on `customer.segment` then
 * decides by it at confirm: a canceler is blocked, an ordinary payer paid,
 * and each decision stores the segment it saw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const start = Date.UTC(2026, 9, 1, 8);
const clock = new ManualClock(start);
let stack: Stack;
const ordinary: string[] = [];
const cancelers: string[] = [];

async function newCustomer(name: string): Promise<string> {
  const created = await stack.api('POST', '/v1/customers', { name });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.id;
}

async function pay(customer: string, amount: number) {
  clock.advanceMs(60_000);
  const payment = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', customer });
  expect(payment.status, JSON.stringify(payment.body)).toBe(200);
  const confirmed = await stack.api('POST', `/v1/payments/${payment.body.id}/confirm`, { payment_method: card('4242424242424242') });
  return { id: payment.body.id as string, confirmed };
}

beforeAll(async () => {
  stack = await startStack({ clock });
  for (let i = 0; i < 12; i += 1) {
    const id = await newCustomer(`Ordinary ${i}`);
    ordinary.push(id);
    for (let n = 0; n < 2; n += 1) await pay(id, 2_000 + ((i * 7 + n * 13) % 40) * 100);
  }
  for (let i = 0; i < 4; i += 1) {
    const id = await newCustomer(`Canceler ${i}`);
    cancelers.push(id);
    for (let n = 0; n < 4; n += 1) {
      clock.advanceMs(60_000);
      const payment = await stack.api('POST', '/v1/payments', { amount: 4_500, currency: 'CNY', customer: id });
      const canceled = await stack.api('POST', `/v1/payments/${payment.body.id}/cancel`, { cancellation_reason: 'other' });
      expect(canceled.body.status, JSON.stringify(canceled.body)).toBe('canceled');
    }
    await pay(id, 4_500);
  }
}, 120_000);
afterAll(async () => stack?.close());

describe('customer.segment in a risk rule', () => {
  it('blocks a customer of the named segment and lets the others pay, storing the segment each decision saw', async () => {
    const range = `from=${new Date(start).toISOString()}&to=${new Date(clock.nowMs() + 1).toISOString()}&k=2`;
    const segments = await stack.api('GET', `/v1/analytics/customer_segments?${range}`);
    expect(segments.status, JSON.stringify(segments.body)).toBe(200);
    const named = segments.body.segments.find((s: { name: string }) => s.name === 'frequent_cancelers');
    expect([...named.customers].sort()).toEqual([...cancelers].sort());

    const rule = await stack.api('POST', '/v1/risk_rules', { name: 'No cancelers', expression: 'customer.segment == "frequent_cancelers"', action: 'block' });
    expect(rule.status, JSON.stringify(rule.body)).toBe(200);

    const canceler = await pay(cancelers[0]!, 4_500);
    expect(canceler.confirmed.status).toBe(402);
    expect(canceler.confirmed.body.error.code).toBe('risk_blocked');
    const blockedRisk = await stack.api('GET', `/v1/payments/${canceler.id}/risk`);
    expect(blockedRisk.body).toMatchObject({ decision: 'block', rules_fired: [rule.body.id] });
    expect(blockedRisk.body.signals.customer_segment).toBe('frequent_cancelers');

    const payer = await pay(ordinary[0]!, 2_500);
    expect(payer.confirmed.status, JSON.stringify(payer.confirmed.body)).toBe(200);
    expect(payer.confirmed.body.status).toBe('succeeded');
    const allowedRisk = await stack.api('GET', `/v1/payments/${payer.id}/risk`);
    expect(allowedRisk.body.decision).toBe('allow');
    expect(allowedRisk.body.signals.customer_segment).not.toBe('frequent_cancelers');
    expect(allowedRisk.body.signals.customer_segment).not.toBe('');

    // A customer no kept segmentation holds has no segment.
    const stranger = await pay(await newCustomer('Stranger'), 2_000);
    expect(stranger.confirmed.body.status).toBe('succeeded');
    expect((await stack.api('GET', `/v1/payments/${stranger.id}/risk`)).body.signals.customer_segment).toBe('');
  });

  it('answers 400 risk_rule_invalid for a segment k-means never names, or compared with a number', async () => {
    const unknown = await stack.api('POST', '/v1/risk_rules', { name: 'typo', expression: 'customer.segment == "frequent_canceler"', action: 'block' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'risk_rule_invalid', param: 'expression' });
    const typed = await stack.api('POST', '/v1/risk_rules', { name: 'typed', expression: 'customer_segment > 2', action: 'block' });
    expect(typed.status).toBe(400);
    expect(typed.body.error.code).toBe('risk_rule_invalid');
    const listed = await stack.api('GET', '/v1/risk_rules/signals');
    expect(listed.body.data).toContainEqual({ name: 'customer_segment', type: 'string' });
  });
});
