/**
 * Each risk action end to end through HTTP: challenge (passed and failed),
 * review (approved: captured; rejected: canceled and released), block (the
 * generic `risk_blocked` in three languages, naming no rule); a rule saved
 * with an error names its position; the back-test counts; a fraud mark fills
 * the blocklist and blocks the next payment with that card.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, ManualClock, sentVerificationCode, startStack, type Stack } from '../support/stack.ts';

const minute = 60_000;
const clock = new ManualClock(Date.UTC(2026, 3, 1, 8, 0, 0));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
});
afterAll(async () => stack?.close());

type Merchant = Awaited<ReturnType<Stack['newMerchant']>>;

async function rule(m: Merchant, expression: string, action: string, name = expression) {
  const saved = await stack.api('POST', '/v1/risk_rules', { name, expression, action }, { key: m.secretKey });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  return saved.body as { id: string; position: number };
}

async function createPayment(m: Merchant, body: Record<string, unknown> = {}) {
  const created = await stack.api('POST', '/v1/payments', { amount: 1_000, currency: 'CNY', ...body }, { key: m.secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body as { id: string; client_secret: string };
}

function confirm(m: Merchant, paymentId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return stack.api('POST', `/v1/payments/${paymentId}/confirm`, body, { key: m.secretKey, headers });
}

async function customer(m: Merchant, fields: Record<string, unknown> = { phone: '+8613800138000' }) {
  return (await stack.api('POST', '/v1/customers', { name: 'Li Wei', ...fields }, { key: m.secretKey })).body.id as string;
}

describe('saving a rule', () => {
  it('refuses an expression with an error and says where, in the reader\'s language', async () => {
    const m = await stack.newMerchant();
    const wrong = await stack.api('POST', '/v1/risk_rules', { name: 'typo', expression: 'amount > 100 && is_new_custmer', action: 'block' }, { key: m.secretKey });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'risk_rule_invalid', param: 'expression', position: 16 });
    expect(wrong.body.error.message).toContain('unknown signal "is_new_custmer"');
    const chinese = await stack.api('POST', '/v1/risk_rules', { name: 'x', expression: 'amount >', action: 'block' }, { key: m.secretKey, headers: { 'accept-language': 'zh-CN' } });
    expect(chinese.body.error.message).toContain('第 8 个字符处');
    const update = await rule(m, 'amount > 100', 'review');
    const broken = await stack.api('POST', `/v1/risk_rules/${update.id}`, { expression: 'amount > "x"' }, { key: m.secretKey });
    expect(broken.body.error).toMatchObject({ code: 'risk_rule_invalid', position: 9 });
    expect((await stack.api('GET', `/v1/risk_rules/${update.id}`, undefined, { key: m.secretKey })).body.expression).toBe('amount > 100');
    expect((await stack.api('GET', '/v1/risk_rules', undefined, { key: m.publishableKey })).status).toBe(403);
  });

  it('keeps rules in order; the first that matches decides', async () => {
    const m = await stack.newMerchant();
    const block = await rule(m, 'amount > 500', 'block');
    const allow = await rule(m, 'amount < 2000', 'allow');
    expect((await confirm(m, (await createPayment(m)).id, { payment_method: card('4242424242424242') })).body.error.code).toBe('risk_blocked');
    const ordered = await stack.api('POST', '/v1/risk_rules/order', { rules: [allow.id, block.id] }, { key: m.secretKey });
    expect(ordered.body.data.map((r: { id: string }) => r.id)).toEqual([allow.id, block.id]);
    const paid = await confirm(m, (await createPayment(m)).id, { payment_method: card('4242424242424242') });
    expect(paid.body.status).toBe('succeeded');
    const risk = await stack.api('GET', `/v1/payments/${paid.body.id}/risk`, undefined, { key: m.secretKey });
    expect(risk.body).toMatchObject({ decision: 'allow', rules_fired: [allow.id, block.id] });
    // The merchant reads it on the payment too; the payer never does.
    const asMerchant = await stack.api('GET', `/v1/payments/${paid.body.id}`, undefined, { key: m.secretKey });
    expect(asMerchant.body.risk).toMatchObject({ object: 'payment_risk', decision: 'allow', rules_fired: [allow.id, block.id], signals: { amount: 1_000 } });
    const asPayer = await stack.api('GET', `/v1/payments/${paid.body.id}?client_secret=${paid.body.client_secret}`, undefined, { key: m.publishableKey });
    expect(asPayer.status).toBe(200);
    expect(asPayer.body.risk).toBeUndefined();
    const incomplete = await stack.api('POST', '/v1/risk_rules/order', { rules: [allow.id] }, { key: m.secretKey });
    expect(incomplete.status).toBe(400);
  });
});

describe('block', () => {
  it('answers the generic risk_blocked in three languages, naming no rule, and the provider is never asked', async () => {
    const m = await stack.newMerchant();
    await rule(m, 'amount >= 1000 && payment_method_type == "card"', 'block', 'Secret threshold rule');
    const payment = await createPayment(m);
    const answers = [];
    for (const language of ['en', 'zh-CN', 'zh-TW']) {
      const blocked = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { client_secret: payment.client_secret, payment_method: card('4242424242424242') }, {
        key: m.publishableKey,
        headers: { 'accept-language': language },
      });
      expect(blocked.status).toBe(402);
      expect(blocked.body.error.code).toBe('risk_blocked');
      expect(JSON.stringify(blocked.body)).not.toMatch(/threshold|rsk_|amount >=/);
      answers.push(blocked.body.error.message);
    }
    expect(answers).toEqual(['This payment was blocked by risk checks.', '此付款未通过风险检查。', '此付款未通過風險檢查。']);
    const attempts = await stack.api('GET', `/v1/payments/${payment.id}/attempts`, undefined, { key: m.secretKey });
    expect(attempts.body.data).toEqual([]);
    const read = await stack.api('GET', `/v1/payments/${payment.id}`, undefined, { key: m.secretKey });
    expect(read.body.status).toBe('requires_payment_method');
  });
});

describe('challenge', () => {
  it('sends the customer a code before the provider is asked; the right code pays', async () => {
    const m = await stack.newMerchant();
    await rule(m, 'amount > 500', 'challenge');
    const payment = await createPayment(m, { customer: await customer(m) });
    const challenged = await confirm(m, payment.id, { payment_method: card('4242424242424242') });
    expect(challenged.status, JSON.stringify(challenged.body)).toBe(200);
    expect(challenged.body).toMatchObject({ status: 'requires_action', next_action: { type: 'verify_otp', verify_otp: { reason: 'customer_verification', channel: 'sms' } } });
    expect((await stack.api('GET', `/v1/payments/${payment.id}/attempts`, undefined, { key: m.secretKey })).body.data).toEqual([]);
    const code = await sentVerificationCode(stack, payment.id);
    const paid = await confirm(m, payment.id, { otp: code, payment_method: card('4242424242424242') });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body.status).toBe('succeeded');
    const risk = await stack.api('GET', `/v1/payments/${payment.id}/risk`, undefined, { key: m.secretKey });
    expect(risk.body).toMatchObject({ decision: 'challenge', challenge_passed: true });
  });

  it('fails after three wrong codes: the payment is not paid and may not skip the code', async () => {
    const m = await stack.newMerchant();
    await rule(m, 'amount > 500', 'challenge');
    const payment = await createPayment(m, { customer: await customer(m, { email: 'li@example.com' }) });
    const challenged = await confirm(m, payment.id, { payment_method: card('4242424242424242') });
    expect(challenged.body.next_action.verify_otp.channel).toBe('email');
    const code = await sentVerificationCode(stack, payment.id);
    const wrong = code === '111111' ? '222222' : '111111';
    expect((await confirm(m, payment.id, { otp: wrong })).body.error).toMatchObject({ code: 'verification_code_incorrect', attempts_remaining: 2 });
    expect((await confirm(m, payment.id, { otp: wrong })).body.error.attempts_remaining).toBe(1);
    expect((await confirm(m, payment.id, { otp: wrong })).body.error.code).toBe('verification_code_expired');
    const read = await stack.api('GET', `/v1/payments/${payment.id}`, undefined, { key: m.secretKey });
    expect(read.body.status).toBe('requires_payment_method');
    // Confirming again is challenged again (a new code), never paid without one.
    const again = await confirm(m, payment.id, { payment_method: card('4242424242424242') });
    expect(again.body.status).toBe('requires_action');
    const risk = await stack.api('GET', `/v1/payments/${payment.id}/risk`, undefined, { key: m.secretKey });
    expect(risk.body).toMatchObject({ decision: 'challenge', challenge_passed: false });
  });

  it('blocks a payment with no customer to send a code to', async () => {
    const m = await stack.newMerchant();
    await rule(m, 'amount > 500', 'challenge');
    const blocked = await confirm(m, (await createPayment(m)).id, { payment_method: card('4242424242424242') });
    expect(blocked.body.error.code).toBe('risk_blocked');
  });
});

describe('review', () => {
  async function held(m: Merchant) {
    const payment = await createPayment(m, { amount: 30_000 });
    const answer = await confirm(m, payment.id, { payment_method: card('4242424242424242') });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ status: 'requires_capture', capture_method: 'manual', amount_capturable: 30_000, amount_received: 0 });
    return payment.id;
  }

  it('authorizes without capture and queues the payment; approving captures it', async () => {
    const m = await stack.newMerchant();
    const review = await rule(m, 'amount > 20000', 'review');
    const paymentId = await held(m);
    const queue = await stack.api('GET', '/v1/reviews', undefined, { key: m.secretKey });
    expect(queue.body.data).toHaveLength(1);
    expect(queue.body.data[0]).toMatchObject({ id: paymentId, status: 'pending', capture_on_approve: true, risk: { decision: 'review', rules_fired: [review.id] } });
    clock.advanceMs(5 * minute);
    const approved = await stack.api('POST', `/v1/reviews/${paymentId}/approve`, undefined, { key: m.secretKey });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved' });
    const payment = await stack.api('GET', `/v1/payments/${paymentId}`, undefined, { key: m.secretKey });
    expect(payment.body).toMatchObject({ status: 'succeeded', amount_received: 30_000 });
    expect((await stack.api('GET', '/v1/reviews', undefined, { key: m.secretKey })).body.data).toEqual([]);
    const twice = await stack.api('POST', `/v1/reviews/${paymentId}/reject`, undefined, { key: m.secretKey });
    expect(twice.status).toBe(409);
  });

  it('rejecting cancels the payment and releases the authorization', async () => {
    const m = await stack.newMerchant();
    await rule(m, 'amount > 20000', 'review');
    const paymentId = await held(m);
    const rejected = await stack.api('POST', `/v1/reviews/${paymentId}/reject`, undefined, { key: m.secretKey });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    const payment = await stack.api('GET', `/v1/payments/${paymentId}`, undefined, { key: m.secretKey });
    expect(payment.body).toMatchObject({ status: 'canceled', cancellation_reason: 'fraudulent', amount_capturable: 0, amount_received: 0 });
    const attempts = await stack.api('GET', `/v1/payments/${paymentId}/attempts`, undefined, { key: m.secretKey });
    expect(attempts.body.data.map((a: { operation: string }) => a.operation)).toContain('void');
  });
});

describe('the back-test and the fraud mark', () => {
  it('counts what a rule would have blocked in the last 30 days and how many were refunded', async () => {
    const m = await stack.newMerchant();
    await rule(m, 'amount < 0', 'allow', 'keeps decisions on');
    const paid: string[] = [];
    for (const amount of [500, 1_500, 2_500, 3_500]) {
      const payment = await createPayment(m, { amount });
      expect((await confirm(m, payment.id, { payment_method: card('4242424242424242') })).body.status).toBe('succeeded');
      paid.push(payment.id);
    }
    await stack.api('POST', '/v1/refunds', { payment: paid[2] }, { key: m.secretKey });
    await stack.api('POST', `/v1/payments/${paid[3]}/fraud`, { block: [] }, { key: m.secretKey });
    // A payment decided 31 days ago is outside the window.
    clock.advanceMs(31 * 24 * 60 * minute);
    const late = await createPayment(m, { amount: 9_000 });
    await confirm(m, late.id, { payment_method: card('4242424242424242') });
    clock.advanceMs(minute);
    const test = await stack.api('POST', '/v1/risk_rules/backtest', { expression: 'amount > 1000', action: 'block' }, { key: m.secretKey });
    expect(test.status, JSON.stringify(test.body)).toBe(200);
    expect(test.body).toMatchObject({ payments_evaluated: 1, matched: 1, decided: 1 });
    clock.advanceMs(-31 * 24 * 60 * minute);
    const window = await stack.api('POST', '/v1/risk_rules/backtest', { expression: 'amount > 1000', action: 'block' }, { key: m.secretKey });
    expect(window.body).toMatchObject({ payments_evaluated: 5, matched: 4, decided: 4, decided_refunded: 1, decided_fraudulent: 1 });
    expect(window.body.summary).toContain('would have blocked 4 payments');
    // Saved after an allow rule that takes the large ones, it would decide fewer.
    await rule(m, 'amount > 3000', 'allow');
    const saved = await rule(m, 'amount > 1000', 'block');
    const atItsPlace = await stack.api('POST', `/v1/risk_rules/${saved.id}/backtest`, undefined, { key: m.secretKey });
    expect(atItsPlace.body).toMatchObject({ matched: 4, decided: 2, decided_refunded: 1, decided_fraudulent: 0 });
    const invalid = await stack.api('POST', '/v1/risk_rules/backtest', { expression: 'amount >>> 1', action: 'block' }, { key: m.secretKey });
    expect(invalid.body.error.code).toBe('risk_rule_invalid');
  });

  it('a payment marked fraudulent puts its card, email and device on the blocklist, and the next payment with that card is blocked', async () => {
    const m = await stack.newMerchant();
    const customerId = await customer(m, { email: 'Fraud@Example.com' });
    const payment = await createPayment(m, { customer: customerId });
    await rule(m, 'amount < 0', 'allow', 'keeps decisions on');
    const paid = await confirm(m, payment.id, { payment_method: card('4000000000000077'), risk: { device_id: 'device-9' } });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('succeeded');
    const marked = await stack.api('POST', `/v1/payments/${payment.id}/fraud`, { note: 'chargeback notice' }, { key: m.secretKey });
    expect(marked.status, JSON.stringify(marked.body)).toBe(200);
    const kinds = marked.body.blocklisted.map((e: { kind: string; value: string }) => `${e.kind}:${e.kind === 'card_fingerprint' ? 'fp' : e.value}`).sort();
    expect(kinds).toEqual(['card_fingerprint:fp', 'device:device-9', 'email:fraud@example.com']);
    expect(marked.body.blocklisted.find((e: { kind: string }) => e.kind === 'card_fingerprint').value).toBe(paid.body.payment_method.card.fingerprint);
    const list = await stack.api('GET', '/v1/blocklists?kind=device', undefined, { key: m.secretKey });
    expect(list.body.data).toHaveLength(1);
    // Another payer, the same card: blocked by the built-in blocklist rule.
    const next = await confirm(m, (await createPayment(m)).id, { payment_method: card('4000000000000077') });
    expect(next.body.error.code).toBe('risk_blocked');
    const otherCard = await confirm(m, (await createPayment(m)).id, { payment_method: card('4242424242424242') });
    expect(otherCard.body.status).toBe('succeeded');
    // Removing the entry lets the card pay again.
    const cardEntry = marked.body.blocklisted.find((e: { kind: string }) => e.kind === 'card_fingerprint');
    expect((await stack.api('DELETE', `/v1/blocklists/${cardEntry.id}`, undefined, { key: m.secretKey })).status).toBe(200);
    expect((await confirm(m, (await createPayment(m)).id, { payment_method: card('4000000000000077') })).body.status).toBe('succeeded');
  });
});
