/**
 * The API behind the payer's pages, without a browser: the checkout session
 * and rating, the page shells and their security headers, order tracking
 * with fulfilment steps, and after-sales requests decided by the merchant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

const payer = () => ({ key: stack.publishableKey });

async function paidPayment(options: { customer?: string; reference?: string; amount?: number } = {}) {
  const created = await stack.api('POST', '/v1/payments', {
    amount: options.amount ?? 5_000,
    currency: 'CNY',
    customer: options.customer,
    order: { reference: options.reference ?? 'ORD-1', items: [{ name: 'Oolong tea', quantity: 2, unit_amount: 2_500 }] },
  });
  const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(paid.body.status).toBe('succeeded');
  return created.body as { id: string; client_secret: string };
}

function orderPath(paymentId: string, path = '') {
  return `/v1/orders/${paymentId}${path}?token=${orderPageToken(paymentId, stack.context.keys.orderPage)}`;
}

describe('checkout session', () => {
  it('gives the payer the merchant, the methods, the preselected one and the wallet, with the client secret only', async () => {
    const customer = await stack.api('POST', '/v1/customers', { locale: 'zh-TW' });
    await paidPayment({ customer: customer.body.id });
    const created = await stack.api('POST', '/v1/payments', { amount: 1_200, currency: 'CNY', customer: customer.body.id });
    const session = await stack.api('GET', `/v1/payments/${created.body.id}/checkout?client_secret=${created.body.client_secret}`, undefined, payer());
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({
      object: 'checkout',
      merchant: { name: 'Test Merchant' },
      customer_locale: 'zh-TW',
      methods: ['card', 'wallet'],
      preselected_method: 'card',
      wallet: { available: 0, covers: false, shortfall: 1_200, pin: { set: false } },
      order_url: null,
      feedback: null,
    });
    expect(session.body.payment).toMatchObject({ id: created.body.id, status: 'requires_payment_method', customer: null, metadata: {} });
    expect(session.body.cancellation_reasons).toContain('price_changed');
    expect(session.body.cancellation_reasons).not.toContain('abandoned');
    const wrong = await stack.api('GET', `/v1/payments/${created.body.id}/checkout?client_secret=${created.body.id}_secret_x`, undefined, payer());
    expect(wrong.status).toBe(404);
    const missing = await stack.api('GET', `/v1/payments/${created.body.id}/checkout`, undefined, payer());
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'client_secret' });
  });

  it('offers the order page once paid, and takes one rating per payment', async () => {
    const payment = await paidPayment();
    const session = await stack.api('GET', `/v1/payments/${payment.id}/checkout?client_secret=${payment.client_secret}`, undefined, payer());
    expect(session.body.order_url).toBe(`${stack.url}/orders/${payment.id}?token=${orderPageToken(payment.id, stack.context.keys.orderPage)}`);
    const rated = await stack.api('POST', `/v1/payments/${payment.id}/feedback`, { client_secret: payment.client_secret, rating: 5, comment: ' Quick! ' }, payer());
    expect(rated.body).toEqual({ object: 'feedback', payment: payment.id, rating: 5, comment: 'Quick!', nps_score: null });
    const again = await stack.api('POST', `/v1/payments/${payment.id}/feedback`, { client_secret: payment.client_secret, rating: 1 }, payer());
    expect(again.body).toMatchObject({ rating: 5 });
    const outOfRange = await stack.api('POST', `/v1/payments/${payment.id}/feedback`, { client_secret: payment.client_secret, rating: 6 }, payer());
    expect(outOfRange.status).toBe(400);
    const open = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' });
    const early = await stack.api('POST', `/v1/payments/${open.body.id}/feedback`, { client_secret: open.body.client_secret, rating: 4 }, payer());
    expect(early.body.error.code).toBe('payment_unexpected_state');
  });
});

describe('checkout funnel', () => {
  it('records what the browser reports and what the server did, with device and language, in order', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 700, currency: 'CNY', expires_in_seconds: 60 });
    const phone = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile' };
    const secret = created.body.client_secret;
    const viewed = await stack.api('POST', `/v1/payments/${created.body.id}/funnel_events`, { client_secret: secret, type: 'checkout_viewed', locale: 'zh-CN' }, { key: stack.publishableKey, headers: phone });
    expect(viewed.body).toEqual({ object: 'funnel_event', type: 'checkout_viewed', recorded: true });
    await stack.api('POST', `/v1/payments/${created.body.id}/funnel_events`, { client_secret: secret, type: 'method_chosen', payment_method_type: 'card' }, { key: stack.publishableKey, headers: phone });
    const declined = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { client_secret: secret, payment_method: card('4000000000009995') }, { key: stack.publishableKey, headers: phone });
    expect(declined.status).toBe(402);
    await stack.api('POST', `/v1/payments/${created.body.id}/cancel`, { client_secret: secret, cancellation_reason: 'too_complicated' }, { key: stack.publishableKey, headers: phone });
    const funnel = await stack.api('GET', `/v1/payments/${created.body.id}/funnel_events`);
    expect(funnel.body.data.map((e: { type: string }) => e.type)).toEqual(['checkout_viewed', 'method_chosen', 'confirm_submitted', 'attempt_failed', 'canceled']);
    expect(funnel.body.data[2]).toMatchObject({ payment_method_type: 'card', device_class: 'mobile', locale: 'zh-CN' });
    expect(funnel.body.data[3]).toMatchObject({ error_code: 'card_declined', device_class: 'mobile' });
    expect(funnel.body.data[4]).toMatchObject({ reason: 'too_complicated' });
    // A step the server records cannot be reported by the browser.
    const forged = await stack.api('POST', `/v1/payments/${created.body.id}/funnel_events`, { client_secret: secret, type: 'succeeded' }, { key: stack.publishableKey });
    expect(forged.status).toBe(400);
  });

  it('records success and abandonment without any browser', async () => {
    const paid = await paidPayment();
    const steps = await stack.api('GET', `/v1/payments/${paid.id}/funnel_events`);
    expect(steps.body.data.map((e: { type: string; device_class: string | null }) => [e.type, e.device_class])).toEqual([['confirm_submitted', null], ['succeeded', null]]);
  });
});

describe('page shells', () => {
  it('serves the checkout with a strict CSP, the merchant publishable key and the built assets', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' });
    const page = await fetch(`${stack.url}/checkout/${created.body.id}`, { headers: { 'accept-language': 'zh-CN' } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).toContain('lang="zh-CN"');
    const key = /name="paypilot-publishable-key" content="(pk_test_[^"]+)"/.exec(html)?.[1];
    expect(key).toBeDefined();
    // The key the page hands out works for this payment with its client secret.
    const session = await stack.api('GET', `/v1/payments/${created.body.id}/checkout?client_secret=${created.body.client_secret}`, undefined, { key: key! });
    expect(session.status).toBe(200);
    const script = /src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];
    const asset = await fetch(`${stack.url}/assets/${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${stack.url}/assets/nothing.js`)).status).toBe(404);
    expect((await fetch(`${stack.url}/checkout/pay_00000000000000000000000000`)).status).toBe(404);
  });
});

describe('order tracking and after-sales', () => {
  it('shows the payer the timeline as the merchant ships and delivers, and only with the right token', async () => {
    const payment = await paidPayment({ reference: 'TEA-42' });
    const shipped = await stack.api('POST', `/v1/payments/${payment.id}/fulfillment_events`, { type: 'shipped', carrier: 'SF Express', tracking_number: 'SF1234567890' });
    expect(shipped.body).toMatchObject({ object: 'fulfillment_event', type: 'shipped', carrier: 'SF Express' });
    await stack.api('POST', `/v1/payments/${payment.id}/fulfillment_events`, { type: 'delivered' });
    const order = await stack.api('GET', orderPath(payment.id), undefined, { key: null });
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({
      object: 'order',
      order_number: 'TEA-42',
      merchant: { name: 'Test Merchant' },
      amount: 5_000,
      status: 'succeeded',
      payment_method: { type: 'card', card: { brand: 'visa', last4: '4242' } },
      after_sales_allowed: true,
    });
    expect(order.body.timeline.map((t: { type: string }) => t.type)).toEqual(['paid', 'shipped', 'delivered']);
    expect(order.body.timeline[1]).toMatchObject({ carrier: 'SF Express', tracking_number: 'SF1234567890' });
    expect(JSON.stringify(order.body)).not.toContain('fingerprint');
    const forged = await stack.api('GET', `/v1/orders/${payment.id}?token=${'A'.repeat(32)}`, undefined, { key: null });
    expect(forged.status).toBe(404);
    const events = await stack.api('GET', '/v1/events?type=order.fulfillment_updated');
    expect(events.body.data[0].data.object).toMatchObject({ payment: payment.id, type: 'delivered' });
  });

  it('takes a refund request from the payer and refunds through the normal flow when the merchant approves', async () => {
    const payment = await paidPayment({ reference: 'TEA-43' });
    const requested = await stack.api('POST', orderPath(payment.id, '/after_sales_requests'), { kind: 'refund', reason: 'The tin arrived dented', amount: 2_000 }, { key: null });
    expect(requested.body).toMatchObject({ object: 'after_sales_request', kind: 'refund', status: 'pending', amount: 2_000 });
    const tooMuch = await stack.api('POST', orderPath(payment.id, '/after_sales_requests'), { kind: 'refund', reason: 'all', amount: 5_001 }, { key: null });
    expect(tooMuch.body.error.code).toBe('refund_exceeds_payment');
    const listed = await stack.api('GET', `/v1/after_sales_requests?payment=${payment.id}&status=pending`);
    expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([requested.body.id]);

    const approved = await stack.api('POST', `/v1/after_sales_requests/${requested.body.id}/approve`, { note: 'Sorry about that' });
    expect(approved.body).toMatchObject({ status: 'approved', merchant_note: 'Sorry about that' });
    expect(approved.body.refund).toMatch(/^re_/);
    const refund = await stack.api('GET', `/v1/refunds/${approved.body.refund}`);
    expect(refund.body).toMatchObject({ amount: 2_000, reason: 'after_sales', status: 'succeeded' });
    // Decided once: a second approval refunds nothing more.
    const twice = await stack.api('POST', `/v1/after_sales_requests/${requested.body.id}/approve`, {});
    expect(twice.status).toBe(409);
    expect((await stack.api('GET', `/v1/payments/${payment.id}`)).body.amount_refunded).toBe(2_000);

    const order = await stack.api('GET', orderPath(payment.id), undefined, { key: null });
    expect(order.body.timeline.map((t: { type: string }) => t.type)).toEqual(['paid', 'refunded']);
    expect(order.body.after_sales_requests).toMatchObject([{ kind: 'refund', status: 'approved', merchant_note: 'Sorry about that' }]);
  });

  it('lets the merchant reject an exchange, and returns a request to pending when its refund cannot be made', async () => {
    const payment = await paidPayment({ reference: 'TEA-44', amount: 1_000 });
    const exchange = await stack.api('POST', orderPath(payment.id, '/after_sales_requests'), { kind: 'exchange', reason: 'Wrong flavour' }, { key: null });
    const rejected = await stack.api('POST', `/v1/after_sales_requests/${exchange.body.id}/reject`, { note: 'Opened packages cannot be exchanged' });
    expect(rejected.body).toMatchObject({ status: 'rejected', refund: null });
    const withAmount = await stack.api('POST', orderPath(payment.id, '/after_sales_requests'), { kind: 'repair', reason: 'x', amount: 10 }, { key: null });
    expect(withAmount.body.error).toMatchObject({ code: 'parameter_invalid', param: 'amount' });

    const refundRequest = await stack.api('POST', orderPath(payment.id, '/after_sales_requests'), { kind: 'refund', reason: 'Changed my mind' }, { key: null });
    await stack.api('POST', '/v1/refunds', { payment: payment.id });
    const failed = await stack.api('POST', `/v1/after_sales_requests/${refundRequest.body.id}/approve`, {});
    expect(failed.status).toBe(422);
    expect(failed.body.error.code).toBe('refund_exceeds_payment');
    expect((await stack.api('GET', `/v1/after_sales_requests/${refundRequest.body.id}`)).body).toMatchObject({ status: 'pending', refund: null });
    const other = await stack.newMerchant();
    expect((await stack.api('GET', `/v1/after_sales_requests/${refundRequest.body.id}`, undefined, { key: other.secretKey })).status).toBe(404);
  });
});
