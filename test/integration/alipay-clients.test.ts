/**
 * Alipay outside a browser, end to end: the merchant confirms with
 * payment_method_options.alipay.client `app` (the API answers next_action
 * alipay_app, the order string for Alipay's app SDK) or `mini_program` (the
 * API creates the trade for the buyer it names and answers
 * alipay_mini_program, the trade_no for my.tradePay). Alipay's clients
 * (simulated) pay, and the notification makes the payment succeed; a refund
 * then goes back through the same trade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.ts';
import { startAlipaySimulator, type AlipaySimulator, type AlipayMerchantCredentials } from '../../src/simulators/alipay/server.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let worker: Runner;
let alipay: AlipaySimulator;
let credentials: AlipayMerchantCredentials;
let secretKey: string;
const buyerId = '2088000000004242';

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  alipay = await startAlipaySimulator({ clock, notifyDelayScale: 0.0001 });
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
  const merchant = await stack.newMerchant();
  secretKey = merchant.secretKey;
  credentials = alipay.registerMerchant();
  const account = await stack.api('POST', '/v1/connector_accounts', { connector: 'alipay', base_url: alipay.url, credentials }, { key: secretKey });
  expect(account.status, JSON.stringify(account.body)).toBe(200);
});

afterAll(async () => {
  await worker?.stop();
  await alipay?.close();
  await stack?.close();
});

async function newPayment(amount = 1288): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', description: '会员月卡' }, { key: secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.id as string;
}

const confirm = (id: string, body: Record<string, unknown>) => stack.api('POST', `/v1/payments/${id}/confirm`, body, { key: secretKey });

async function settled(id: string, status = 'succeeded'): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const payment = (await stack.api('GET', `/v1/payments/${id}`, undefined, { key: secretKey })).body;
    if (payment.status === status || Date.now() > deadline) return payment;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Alipay in the merchant’s app (app.pay)', () => {
  it('answers alipay_app with the order string, and the payment succeeds once Alipay’s app SDK pays it', async () => {
    const id = await newPayment();
    const confirmed = await confirm(id, { payment_method: { type: 'alipay' }, payment_method_options: { alipay: { client: 'app' } } });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'requires_action', next_action: { type: 'alipay_app' } });
    const orderString = confirmed.body.next_action.alipay_app.order_string as string;
    expect(new URLSearchParams(orderString).get('method')).toBe('alipay.trade.app.pay');
    expect(new URLSearchParams(orderString).get('notify_url')).toMatch(/\/v1\/notify\/ca_/);

    expect(alipay.payInApp(orderString).resultStatus).toBe('9000');
    expect(await settled(id)).toMatchObject({ status: 'succeeded', amount_received: 1288 });

    const refund = await stack.api('POST', '/v1/refunds', { payment: id, amount: 288 }, { key: secretKey });
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    expect(refund.body).toMatchObject({ status: 'succeeded', amount: 288 });
  });
});

describe('Alipay in the merchant’s mini program (trade.create, JSAPI_PAY)', () => {
  it('answers alipay_mini_program with the trade_no; only the named buyer pays it, and the payment succeeds', async () => {
    const id = await newPayment(2000);
    const confirmed = await confirm(id, { payment_method: { type: 'alipay' }, payment_method_options: { alipay: { client: 'mini_program', buyer_id: buyerId } } });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'requires_action', next_action: { type: 'alipay_mini_program' } });
    const tradeNo = confirmed.body.next_action.alipay_mini_program.trade_no as string;

    const miniProgramAppId = credentials.app_id;
    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId, buyer: { buyerId: '2088000000009999', buyerOpenId: null } }).resultCode).toBe('4000');
    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId, buyer: { buyerId, buyerOpenId: null } }).resultCode).toBe('9000');
    expect(await settled(id)).toMatchObject({ status: 'succeeded', amount_received: 2000 });
  });

  it('refuses options that do not name one payer, or that come with another payment method, before any call to Alipay', async () => {
    const id = await newPayment();
    const before = alipay.stats().requests;
    const missing = await confirm(id, { payment_method: { type: 'alipay' }, payment_method_options: { alipay: { client: 'mini_program' } } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'payment_method_options.alipay.buyer_id' });
    const both = await confirm(id, { payment_method: { type: 'alipay' }, payment_method_options: { alipay: { client: 'mini_program', buyer_id: buyerId, buyer_open_id: 'abc' } } });
    expect(both.body.error).toMatchObject({ code: 'parameter_invalid', param: 'payment_method_options.alipay' });
    const appWithBuyer = await confirm(id, { payment_method: { type: 'alipay' }, payment_method_options: { alipay: { client: 'app', buyer_id: buyerId } } });
    expect(appWithBuyer.body.error).toMatchObject({ code: 'parameter_invalid' });
    const badBuyer = await confirm(id, { payment_method: { type: 'alipay' }, payment_method_options: { alipay: { client: 'mini_program', buyer_id: '1234' } } });
    expect(badBuyer.status).toBe(400);
    const otherMethod = await confirm(id, { payment_method: { type: 'unionpay' }, payment_method_options: { alipay: { client: 'app' } } });
    expect(otherMethod.status).toBe(400);
    expect(alipay.stats().requests).toBe(before);
    expect((await stack.api('GET', `/v1/payments/${id}`, undefined, { key: secretKey })).body.status).toBe('requires_payment_method');
  });

  it('a payer waiting at a QR code who confirms with wrong options keeps the order they are paying, and can still pay it', async () => {
    const id = await newPayment(500);
    const waiting = await confirm(id, { payment_method: { type: 'alipay' } });
    expect(waiting.body).toMatchObject({ status: 'requires_action', next_action: { type: 'display_qr_code' } });
    const refused = await confirm(id, { payment_method: { type: 'alipay' }, payment_method_options: { alipay: { client: 'mini_program' } } });
    expect(refused.status).toBe(400);
    const qrPage = await fetch(waiting.body.next_action.display_qr_code.data);
    expect(qrPage.status).toBe(200);
    const orderNumber = new URL(waiting.body.next_action.display_qr_code.data).pathname.split('/').at(-1)!;
    alipay.payer(orderNumber).pay();
    expect(await settled(id)).toMatchObject({ status: 'succeeded', amount_received: 500 });
  });
});

describe('the OpenAPI description', () => {
  it('describes payment_method_options.alipay and the next actions it leads to', async () => {
    const spec = (await stack.api('GET', '/openapi.json', undefined, { key: null })).body;
    const confirmBody = spec.paths['/v1/payments/{id}/confirm'].post.requestBody.content['application/json'].schema;
    const alipayOptions = confirmBody.properties.payment_method_options.properties.alipay;
    expect(alipayOptions.properties.client.enum).toEqual(['app', 'mini_program']);
    expect(Object.keys(alipayOptions.properties)).toEqual(['client', 'buyer_id', 'buyer_open_id', 'op_app_id']);
    expect(JSON.stringify(confirmBody)).toContain('alipay_mini_program');
    expect(JSON.stringify(spec.paths['/v1/payments/{id}'].get.responses)).toContain('alipay_mini_program');
  });
});
