/**
 * Every test card of PROTOCOLS.md through the API to the simulated acquirer
 * over a real socket, with the error a merchant and a payer see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ instantRetries: true });
});
afterAll(async () => stack?.close());

async function pay(paymentMethod: unknown) {
  const created = await stack.api('POST', '/v1/payments', { amount: 2500, currency: 'CNY' });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: paymentMethod });
  const after = await stack.api('GET', `/v1/payments/${created.body.id}`);
  return { id: created.body.id as string, confirmed, after: after.body };
}

describe.each([
  ['4242424242424242', 'visa'],
  ['5555555555554444', 'mastercard'],
  ['6200000000000005', 'unionpay'],
])('card %s', (number, brand) => {
  it(`succeeds as ${brand}`, async () => {
    const { confirmed } = await pay(card(number));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'succeeded', amount_received: 2500 });
    expect(confirmed.body.payment_method.card).toMatchObject({ brand, last4: number.slice(-4) });
  });
});

describe.each([
  ['4000000000000002', 'card_declined', 'generic_decline', 'card_error'],
  ['4000000000009995', 'card_declined', 'insufficient_funds', 'card_error'],
  ['4000000000009987', 'card_declined', 'lost_card', 'card_error'],
  ['4000000000009979', 'card_declined', 'stolen_card', 'card_error'],
  ['4000000000006975', 'card_declined', 'card_velocity_exceeded', 'card_error'],
  ['4000000000000069', 'expired_card', null, 'card_error'],
  ['4000000000000127', 'incorrect_cvc', null, 'card_error'],
  ['4100000000000019', 'risk_blocked', null, 'payment_error'],
])('card %s', (number, code, declineCode, type) => {
  it(`fails with ${code}${declineCode ? ` / ${declineCode}` : ''}, leaving the payment payable`, async () => {
    const { confirmed, after } = await pay(card(number));
    expect(confirmed.status).toBe(402);
    expect(confirmed.body.error).toMatchObject({ type, code, decline_code: declineCode });
    expect(confirmed.body.error.suggestion.length).toBeGreaterThan(10);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_error).toMatchObject({ code, decline_code: declineCode });
  });
});

describe('processing errors', () => {
  it('retries 4000000000000119 with new keys, never charges, and reports processing_error', async () => {
    const before = stack.acquirer.stats();
    const { confirmed, id } = await pay(card('4000000000000119'));
    expect(confirmed.status).toBe(402);
    expect(confirmed.body.error.code).toBe('processing_error');
    const after = stack.acquirer.stats();
    expect(after.charges_succeeded).toBe(before.charges_succeeded);
    const attempts = await stack.api('GET', `/v1/payments/${id}/attempts`);
    expect(attempts.body.data).toHaveLength(1);
    expect(attempts.body.data[0]).toMatchObject({ status: 'failed', error_code: 'processing_error', tries: 3 });
  });
});

describe('checks made before any provider call', () => {
  it('refuses a number that fails the Luhn check without calling the acquirer', async () => {
    const before = stack.acquirer.stats().requests;
    const { confirmed, after } = await pay(card('4242424242424241'));
    expect(confirmed.status).toBe(402);
    expect(confirmed.body.error).toMatchObject({ code: 'incorrect_number', param: 'payment_method.card.number' });
    expect(stack.acquirer.stats().requests).toBe(before);
    expect(after.status).toBe('requires_payment_method');
  });

  it('refuses a past expiry as expired_card without calling the acquirer', async () => {
    const before = stack.acquirer.stats().requests;
    const { confirmed } = await pay(card('4242424242424242', { exp_month: 1, exp_year: 2020 }));
    expect(confirmed.body.error.code).toBe('expired_card');
    expect(stack.acquirer.stats().requests).toBe(before);
  });

  it('refuses month 13 and a two-digit CVC as parameter_invalid', async () => {
    const month = await pay(card('4242424242424242', { exp_month: 13 }));
    expect(month.confirmed.status).toBe(400);
    expect(month.confirmed.body.error).toMatchObject({ code: 'parameter_invalid', param: 'payment_method.card.exp_month' });
    const cvc = await pay(card('4242424242424242', { cvc: '12' }));
    expect(cvc.confirmed.status).toBe(400);
    expect(cvc.confirmed.body.error).toMatchObject({ code: 'parameter_invalid', param: 'payment_method.card.cvc' });
  });
});

describe('the one-time-code card 4000002760003184', () => {
  it('asks for a code, refuses a wrong one with attempts remaining, then succeeds with 000000', async () => {
    const { id, confirmed } = await pay(card('4000002760003184'));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'requires_action', next_action: { type: 'verify_otp' } });
    const wrong = await stack.api('POST', `/v1/payments/${id}/confirm`, { otp: '111111' });
    expect(wrong.status).toBe(402);
    expect(wrong.body.error).toMatchObject({ code: 'authentication_failed', attempts_remaining: 2 });
    expect((await stack.api('GET', `/v1/payments/${id}`)).body.status).toBe('requires_action');
    const right = await stack.api('POST', `/v1/payments/${id}/confirm`, { otp: '000000' });
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ status: 'succeeded', next_action: null, last_error: null, amount_received: 2500 });
    const attempts = await stack.api('GET', `/v1/payments/${id}/attempts`);
    expect(attempts.body.data).toHaveLength(1);
    expect(attempts.body.data[0].status).toBe('succeeded');
  });

  it('fails the attempt after three wrong codes, and the payer may pay another way', async () => {
    const { id } = await pay(card('4000002760003184'));
    for (const remaining of [2, 1]) {
      const wrong = await stack.api('POST', `/v1/payments/${id}/confirm`, { otp: '999999' });
      expect(wrong.body.error.attempts_remaining).toBe(remaining);
    }
    const last = await stack.api('POST', `/v1/payments/${id}/confirm`, { otp: '999999' });
    expect(last.status).toBe(402);
    expect(last.body.error.code).toBe('authentication_failed');
    const after = await stack.api('GET', `/v1/payments/${id}`);
    expect(after.body.status).toBe('requires_payment_method');
    const paid = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') });
    expect(paid.body.status).toBe('succeeded');
  });

  it('refuses a code for a payment that is not waiting for one', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' });
    const refused = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { otp: '000000' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('payment_unexpected_state');
  });
});
