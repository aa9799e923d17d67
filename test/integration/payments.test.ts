/**
 * The payment lifecycle over HTTP: create, retrieve, list, confirm, capture,
 * cancel, attempts and history, as a merchant and as a payer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

async function createPayment(body: Record<string, unknown> = {}, key?: string) {
  const response = await stack.api('POST', '/v1/payments', { amount: 1234, currency: 'CNY', ...body }, key ? { key } : {});
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

describe('creating a payment', () => {
  it('answers the payment object of the contract, waiting for a payment method', async () => {
    const payment = await createPayment({
      description: 'Green tea',
      metadata: { cart: 'c-42' },
      order: { reference: 'ORD-1001', description: '2 × tea', items: [{ name: 'Tea', quantity: 2, unit_amount: 617 }] },
      return_url: 'https://shop.example/return',
    });
    expect(payment).toMatchObject({
      object: 'payment',
      status: 'requires_payment_method',
      amount: 1234,
      currency: 'CNY',
      amount_capturable: 0,
      amount_received: 0,
      amount_refunded: 0,
      capture_method: 'automatic',
      payment_method_types: ['card'],
      payment_method: null,
      description: 'Green tea',
      metadata: { cart: 'c-42' },
      order: { reference: 'ORD-1001' },
      next_action: null,
      last_error: null,
      cancellation_reason: null,
      canceled_at: null,
      livemode: false,
    });
    expect(payment.id).toMatch(/^pay_[0-9a-z]{26}$/);
    expect(payment.client_secret).toMatch(new RegExp(`^${payment.id}_secret_`));
    expect(payment.checkout_url).toContain(`/checkout/${payment.id}`);
    expect(Date.parse(payment.expires_at) - Date.parse(payment.created_at)).toBe(1800 * 1000);
    expect(payment.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('honours expires_in_seconds and refuses a method the merchant has not enabled', async () => {
    const payment = await createPayment({ expires_in_seconds: 600 });
    expect(Date.parse(payment.expires_at) - Date.parse(payment.created_at)).toBe(600 * 1000);
    const refused = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', payment_method_types: ['alipay'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('payment_method_unavailable');
  });

  it('refuses a customer that does not exist, and links one that does', async () => {
    const missing = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY', customer: 'cus_00000000000000000000000000' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'resource_missing', param: 'customer' });
    const customer = await stack.api('POST', '/v1/customers', { email: 'li.wei@example.com', name: 'Li Wei', locale: 'zh-CN' });
    expect(customer.status).toBe(200);
    const payment = await createPayment({ customer: customer.body.id });
    expect(payment.customer).toBe(customer.body.id);
  });
});

describe('confirming with a card', () => {
  it('succeeds with automatic capture and keeps only brand, last four, expiry and a fingerprint', async () => {
    const payment = await createPayment();
    const confirmed = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'succeeded', amount_received: 1234, amount_capturable: 0, last_error: null });
    expect(confirmed.body.payment_method.card).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(confirmed.body.payment_method.card.fingerprint).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const stored = await stack.db.db.selectFrom('payments').select('payment_method').where('id', '=', payment.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain('4242424242424242');
  });

  it('gives the same card the same fingerprint on two payments', async () => {
    const fingerprints = [];
    for (let i = 0; i < 2; i += 1) {
      const payment = await createPayment();
      const confirmed = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('5555555555554444') });
      fingerprints.push(confirmed.body.payment_method.card.fingerprint);
    }
    expect(fingerprints[0]).toBe(fingerprints[1]);
  });

  it('refuses to confirm a payment that already succeeded, without a second charge', async () => {
    const payment = await createPayment();
    await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    const before = stack.acquirer.stats().authorizations_created;
    const again = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'payment_unexpected_state', payment: payment.id });
    expect(stack.acquirer.stats().authorizations_created).toBe(before);
  });

  it('lets the payer try again after a decline, and records both attempts with their latency', async () => {
    const payment = await createPayment();
    const declined = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4000000000000002') });
    expect(declined.status).toBe(402);
    const retrieved = await stack.api('GET', `/v1/payments/${payment.id}`);
    expect(retrieved.body.status).toBe('requires_payment_method');
    expect(retrieved.body.last_error).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });
    const paid = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(paid.body.status).toBe('succeeded');
    expect(paid.body.last_error).toBeNull();
    const attempts = await stack.api('GET', `/v1/payments/${payment.id}/attempts`);
    expect(attempts.body.data).toHaveLength(2);
    expect(attempts.body.data[0]).toMatchObject({ status: 'failed', error_code: 'card_declined', decline_code: 'generic_decline', connector: 'card', connector_account: stack.cardAccountId });
    expect(attempts.body.data[1]).toMatchObject({ status: 'succeeded', error_code: null, operation: 'authorize' });
    for (const attempt of attempts.body.data) expect(attempt.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('refuses to pay an expired payment', async () => {
    const payment = await createPayment({ expires_in_seconds: 60 });
    await stack.db.db.updateTable('payments').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', payment.id).execute();
    const late = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('payment_expired');
  });
});

describe('manual capture', () => {
  it('authorizes, then captures in full', async () => {
    const payment = await createPayment({ capture_method: 'manual', amount: 5000 });
    const authorized = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(authorized.body).toMatchObject({ status: 'requires_capture', amount_capturable: 5000, amount_received: 0 });
    const captured = await stack.api('POST', `/v1/payments/${payment.id}/capture`);
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({ status: 'succeeded', amount_capturable: 0, amount_received: 5000 });
  });

  it('captures part and releases the rest; refuses more than authorized', async () => {
    const payment = await createPayment({ capture_method: 'manual', amount: 5000 });
    await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    const tooMuch = await stack.api('POST', `/v1/payments/${payment.id}/capture`, { amount_to_capture: 5001 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('capture_exceeds_authorized');
    const partial = await stack.api('POST', `/v1/payments/${payment.id}/capture`, { amount_to_capture: 3000 });
    expect(partial.body).toMatchObject({ status: 'succeeded', amount_received: 3000, amount_capturable: 0 });
    const twice = await stack.api('POST', `/v1/payments/${payment.id}/capture`, { amount_to_capture: 1000 });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('payment_unexpected_state');
  });

  it('refuses to capture an automatic payment that has not been authorized', async () => {
    const payment = await createPayment();
    const refused = await stack.api('POST', `/v1/payments/${payment.id}/capture`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('payment_unexpected_state');
  });
});

describe('canceling', () => {
  it('records the reason and comment, and a canceled payment cannot be paid', async () => {
    const payment = await createPayment();
    const canceled = await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { cancellation_reason: 'price_changed', comment: 'Found it cheaper' });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', cancellation_reason: 'price_changed', cancellation_comment: 'Found it cheaper' });
    expect(canceled.body.canceled_at).not.toBeNull();
    const pay = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(pay.status).toBe(409);
    const again = await stack.api('POST', `/v1/payments/${payment.id}/cancel`, {});
    expect(again.status).toBe(409);
  });

  it('releases an authorization at the acquirer when a requires_capture payment is canceled', async () => {
    const payment = await createPayment({ capture_method: 'manual' });
    await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    const canceled = await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { cancellation_reason: 'requested_by_customer' });
    expect(canceled.body).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });
    const attempts = await stack.api('GET', `/v1/payments/${payment.id}/attempts`);
    expect(attempts.body.data.map((a: { operation: string; status: string }) => `${a.operation}:${a.status}`)).toEqual(['authorize:succeeded', 'void:succeeded']);
  });

  it('refuses an unknown reason and a comment over 500 characters', async () => {
    const payment = await createPayment();
    const badReason = await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { cancellation_reason: 'bored' });
    expect(badReason.status).toBe(400);
    expect(badReason.body.error).toMatchObject({ code: 'parameter_invalid', param: 'cancellation_reason' });
    const longComment = await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { comment: 'x'.repeat(501) });
    expect(longComment.status).toBe(400);
    expect(longComment.body.error.param).toBe('comment');
  });
});

describe('history', () => {
  it('records every status change with its actor, reason, error and attempt, and refuses to alter one', async () => {
    const payment = await createPayment();
    await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4000000000009995') });
    await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242'), client_secret: payment.client_secret }, { key: stack.publishableKey });
    const history = await stack.api('GET', `/v1/payments/${payment.id}/history`);
    expect(history.body.data.map((e: { from_status: string; to_status: string; actor: string }) => [e.from_status, e.to_status, e.actor])).toEqual([
      [null, 'requires_payment_method', 'merchant'],
      ['requires_payment_method', 'processing', 'merchant'],
      ['processing', 'requires_payment_method', 'provider'],
      ['requires_payment_method', 'processing', 'payer'],
      ['processing', 'succeeded', 'provider'],
    ]);
    expect(history.body.data[2]).toMatchObject({ error_code: 'card_declined', decline_code: 'insufficient_funds' });
    expect(history.body.data[2].attempt).toMatch(/^att_/);
    const firstId = history.body.data[0].id;
    await expect(stack.db.db.updateTable('payment_events').set({ reason: 'rewritten' }).where('id', '=', firstId).execute()).rejects.toThrow(/immutable/);
    await expect(stack.db.db.deleteFrom('payment_events').where('id', '=', firstId).execute()).rejects.toThrow(/immutable/);
  });

  it('writes the merchant events in the same statement as the change', async () => {
    const payment = await createPayment();
    await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    const events = await stack.db.db.selectFrom('events').select(['type', 'data']).where('object_id', '=', payment.id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['payment.created', 'payment.succeeded']);
    expect((events[1]?.data as { object: { status: string } }).object.status).toBe('succeeded');
  });
});

describe('listing', () => {
  it('pages newest first with starting_after, and filters by status, customer and creation time', async () => {
    const { secretKey } = await stack.newMerchant();
    const customer = await stack.api('POST', '/v1/customers', { name: 'Chen' }, { key: secretKey });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await createPayment({ amount: 100 + i, customer: i % 2 === 0 ? customer.body.id : undefined }, secretKey)).id);
    await stack.api('POST', `/v1/payments/${ids[4]}/cancel`, {}, { key: secretKey });
    const first = await stack.api('GET', '/v1/payments?limit=2', undefined, { key: secretKey });
    expect(first.body).toMatchObject({ object: 'list', has_more: true });
    expect(first.body.data.map((p: { id: string }) => p.id)).toEqual([ids[4], ids[3]]);
    const second = await stack.api('GET', `/v1/payments?limit=2&starting_after=${ids[3]}`, undefined, { key: secretKey });
    expect(second.body.data.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);
    const last = await stack.api('GET', `/v1/payments?limit=2&starting_after=${ids[1]}`, undefined, { key: secretKey });
    expect(last.body).toMatchObject({ has_more: false });
    expect(last.body.data.map((p: { id: string }) => p.id)).toEqual([ids[0]]);
    const canceled = await stack.api('GET', '/v1/payments?status=canceled', undefined, { key: secretKey });
    expect(canceled.body.data.map((p: { id: string }) => p.id)).toEqual([ids[4]]);
    const byCustomer = await stack.api('GET', `/v1/payments?customer=${customer.body.id}`, undefined, { key: secretKey });
    expect(byCustomer.body.data.map((p: { id: string }) => p.id)).toEqual([ids[4], ids[2], ids[0]]);
    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await stack.api('GET', `/v1/payments?created_gte=${encodeURIComponent(future)}`, undefined, { key: secretKey });
    expect(none.body.data).toEqual([]);
    const all = await stack.api('GET', `/v1/payments?created_lt=${encodeURIComponent(future)}&limit=100`, undefined, { key: secretKey });
    expect(all.body.data).toHaveLength(5);
    const tooMany = await stack.api('GET', '/v1/payments?limit=101', undefined, { key: secretKey });
    expect(tooMany.status).toBe(400);
  });

  it('never shows one merchant the payments of another', async () => {
    const other = await stack.newMerchant();
    const mine = await createPayment();
    const theirs = await stack.api('GET', `/v1/payments/${mine.id}`, undefined, { key: other.secretKey });
    expect(theirs.status).toBe(404);
    const list = await stack.api('GET', '/v1/payments?limit=100', undefined, { key: other.secretKey });
    expect(list.body.data.find((p: { id: string }) => p.id === mine.id)).toBeUndefined();
  });
});

describe('the payer with a publishable key', () => {
  it('reads and pays a payment with its client_secret, and sees no merchant-only fields', async () => {
    const payment = await createPayment({ metadata: { internal: 'margin-12' } });
    const read = await stack.api('GET', `/v1/payments/${payment.id}?client_secret=${payment.client_secret}`, undefined, { key: stack.publishableKey });
    expect(read.status).toBe(200);
    expect(read.body.metadata).toEqual({});
    expect(read.body.customer).toBeNull();
    const paid = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242'), client_secret: payment.client_secret }, { key: stack.publishableKey });
    expect(paid.body.status).toBe('succeeded');
  });

  it('sees a generic decline for a stolen card, while the merchant sees the real reason', async () => {
    const payment = await createPayment();
    const payer = await stack.api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4000000000009979'), client_secret: payment.client_secret }, { key: stack.publishableKey });
    expect(payer.status).toBe(402);
    expect(payer.body.error).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline', message: 'The card was declined.' });
    const merchant = await stack.api('GET', `/v1/payments/${payment.id}`);
    expect(merchant.body.last_error.decline_code).toBe('stolen_card');
  });

  it('cancels with a reason, recorded as the payer', async () => {
    const payment = await createPayment();
    const canceled = await stack.api('POST', `/v1/payments/${payment.id}/cancel`, { client_secret: payment.client_secret, cancellation_reason: 'too_complicated', comment: '太复杂了' }, { key: stack.publishableKey });
    expect(canceled.body).toMatchObject({ status: 'canceled', cancellation_reason: 'too_complicated' });
    const history = await stack.api('GET', `/v1/payments/${payment.id}/history`);
    expect(history.body.data.at(-1)).toMatchObject({ to_status: 'canceled', actor: 'payer', reason: 'too_complicated' });
    const merchantView = await stack.api('GET', `/v1/payments/${payment.id}`);
    expect(merchantView.body.cancellation_comment).toBe('太复杂了');
  });
});
