/** GET /v1/analytics/risk over a seeded month: every rate and count from known decisions, and the audit rows of risk writes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, ManualClock, sentVerificationCode, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 9, 0, 0));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
});
afterAll(async () => stack?.close());

describe('risk analytics', () => {
  it('count the fraud rate, decision rates, challenges passed, review times and false positives', async () => {
    const m = await stack.newMerchant({ name: 'Analytics Tea' });
    const api = (method: string, path: string, body?: unknown) => stack.api(method, path, body, { key: m.secretKey });
    const from = new Date(clock.nowMs()).toISOString();
    for (const [expression, action] of [['amount == 1111', 'block'], ['amount == 2222', 'challenge'], ['amount > 20000', 'review']]) {
      expect((await api('POST', '/v1/risk_rules', { name: expression, expression, action })).status).toBe(200);
    }
    const customer = (await api('POST', '/v1/customers', { name: 'Li Wei', phone: '+8613800138000' })).body.id as string;
    const pay = async (amount: number, number: string, withCustomer: boolean) => {
      const created = await api('POST', '/v1/payments', { amount, currency: 'CNY', ...(withCustomer ? { customer } : {}) });
      const answer = await api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(number) });
      clock.advanceMs(1_000);
      return { id: created.body.id as string, answer };
    };
    const blocked = await pay(1_111, '4000000000000077', true);
    expect(blocked.answer.body.error.code).toBe('risk_blocked');
    const allowed = await pay(1_500, '4000000000000077', true);
    expect(allowed.answer.body.status).toBe('succeeded');
    const passed = await pay(2_222, '4242424242424242', true);
    expect(passed.answer.body.status).toBe('requires_action');
    const code = await sentVerificationCode(stack, passed.id);
    expect((await api('POST', `/v1/payments/${passed.id}/confirm`, { otp: code, payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
    const abandoned = await pay(2_222, '4242424242424242', true);
    expect(abandoned.answer.body.status).toBe('requires_action');
    const approved = await pay(30_000, '5555555555554444', false);
    const rejected = await pay(30_000, '5555555555554444', false);
    // Held 120 s (approved) and 599 s (rejected): p50 359.5 s, p90 120 + 0.9 × 479 = 551.1 s.
    clock.advanceMs(118_000);
    expect((await api('POST', `/v1/reviews/${approved.id}/approve`)).status).toBe(200);
    clock.advanceMs(480_000);
    expect((await api('POST', `/v1/reviews/${rejected.id}/reject`)).status).toBe(200);
    expect((await api('POST', `/v1/payments/${allowed.id}/fraud`, { block: ['card'] })).status).toBe(200);

    const to = new Date(clock.nowMs() + 1_000).toISOString();
    const analytics = await api('GET', `/v1/analytics/risk?from=${from}&to=${to}`);
    expect(analytics.status, JSON.stringify(analytics.body)).toBe(200);
    expect(analytics.body).toEqual({
      object: 'analytics_risk',
      from,
      to,
      payments_succeeded: 3,
      payments_fraudulent: 1,
      fraud_rate: 0.3333,
      decisions: { decided: 6, allowed: 1, challenged: 2, reviewed: 2, blocked: 1 },
      block_rate: 0.1667,
      challenge_rate: 0.3333,
      review_rate: 0.3333,
      challenge_pass_rate: 0.5,
      reviews: { approved: 1, rejected: 1, pending: 0, decision_seconds_p50: 360, decision_seconds_p90: 551 },
      false_positives: 1,
    });

    const audit = await stack.db.db.selectFrom('audit_log').select('action').where('merchant_id', '=', m.merchant.merchantId).execute();
    const actions = audit.map((row) => row.action);
    for (const action of ['risk_rule.created', 'review.approved', 'review.rejected', 'payment.marked_fraudulent']) expect(actions).toContain(action);
  });
});
