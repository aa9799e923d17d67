/**
 * Alipay in the merchant's app (app.pay) and mini program (trade.create,
 * JSAPI_PAY) through a payment's whole life, over HTTP on both sides: the
 * API as the merchant calls it, and Alipay's clients as the simulated
 * Alipay serves them (`POST /client/app_pay` is the app SDK given the order
 * string, `POST /client/trade_pay` a mini program's my.tradePay). What must
 * hold as for a QR code or a redirect: a tampered order string is refused by
 * Alipay, each notification is applied once, a status query finds what a lost
 * notification did not tell, refunds and their notifications, expiry, and a
 * late payment refunded rather than taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.ts';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { resolveUnknownOutcomes } from '../../src/flows/channels/resolve-outcomes.ts';
import { orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { startAlipaySimulator, type AlipaySimulator, type AlipayMerchantCredentials } from '../../src/simulators/alipay/server.ts';
import type { AppPayResult, TradePayResult } from '../../src/simulators/alipay/clients.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let worker: Runner;
let alipay: AlipaySimulator;
let credentials: AlipayMerchantCredentials;
let secretKey: string;
const buyerId = '2088000000001515';

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

// ---------------------------------------------------------------------------
// The merchant's side: the API.

async function newPayment(amount: number, expiresInSeconds = 1800): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', description: '茶礼 tea gift', expires_in_seconds: expiresInSeconds }, { key: secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.id as string;
}

async function confirm(id: string, options: Record<string, string> | null): Promise<Record<string, any>> {
  const body = { payment_method: { type: 'alipay' }, ...(options === null ? {} : { payment_method_options: { alipay: options } }) };
  const confirmed = await stack.api('POST', `/v1/payments/${id}/confirm`, body, { key: secretKey });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  expect(confirmed.body.status).toBe('requires_action');
  return confirmed.body;
}

async function appOrder(amount: number, expiresInSeconds?: number): Promise<{ id: string; orderString: string }> {
  const id = await newPayment(amount, expiresInSeconds);
  const confirmed = await confirm(id, { client: 'app' });
  return { id, orderString: confirmed.next_action.alipay_app.order_string as string };
}

async function miniProgramOrder(amount: number, expiresInSeconds?: number): Promise<{ id: string; tradeNo: string }> {
  const id = await newPayment(amount, expiresInSeconds);
  const confirmed = await confirm(id, { client: 'mini_program', buyer_id: buyerId });
  return { id, tradeNo: confirmed.next_action.alipay_mini_program.trade_no as string };
}

const paymentOf = (id: string) => async () => (await stack.api('GET', `/v1/payments/${id}`, undefined, { key: secretKey })).body;

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function orderNumberOfPayment(id: string, index = 0): Promise<string> {
  const attempts = await stack.api('GET', `/v1/payments/${id}/attempts`, undefined, { key: secretKey });
  // In the order they were made.
  return orderNumberOf(attempts.body.data[index].id);
}

/** The events of one type about one object (a payment or a refund). */
async function eventsAbout(type: string, objectId: string): Promise<unknown[]> {
  const listed = await stack.api('GET', `/v1/events?type=${type}&limit=100`, undefined, { key: secretKey });
  return listed.body.data.filter((event: { data: { object: { id: string } } }) => event.data.object.id === objectId);
}

/** Every notification Alipay sent about an order has been applied (or refused) by the worker. */
async function notificationsSettled(orderNumber: string, count: number) {
  return waitFor(
    () => stack.db.db.selectFrom('provider_notifications').select(['outcome', 'applied_at']).where('order_number', '=', orderNumber).execute(),
    (rows) => rows.length >= count && rows.every((row) => row.applied_at !== null),
  );
}

async function refund(id: string, amount: number): Promise<Record<string, any>> {
  const refunded = await stack.api('POST', '/v1/refunds', { payment: id, amount }, { key: secretKey });
  expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
  return refunded.body;
}

// ---------------------------------------------------------------------------
// The payer's side: Alipay's clients, over HTTP.

async function appPay(orderString: string, action = 'pay'): Promise<AppPayResult> {
  const answer = await fetch(`${alipay.url}/client/app_pay`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ order_string: orderString, action }).toString(),
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as AppPayResult;
}

async function tradePay(tradeNo: string, buyer: string, action = 'pay'): Promise<TradePayResult> {
  const answer = await fetch(`${alipay.url}/client/trade_pay`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ trade_no: tradeNo, mini_program_app_id: credentials.app_id, buyer_id: buyer, action }),
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as TradePayResult;
}

/** Alipay's notifications do not reach Paypilot while `run` runs (every resend dropped). */
async function withoutNotifications<T>(run: () => Promise<T>): Promise<T> {
  alipay.setFaults({ dropNotifications: 1_000 });
  try {
    return await run();
  } finally {
    alipay.setFaults({ dropNotifications: 0 });
  }
}

describe('an app payment (alipay.trade.app.pay)', () => {
  it('Alipay refuses an order string whose amount was edited or that another key signed; the genuine one pays, and a duplicated notification is applied once', async () => {
    const { id, orderString } = await appOrder(3_600);
    const edited = orderString.replace(encodeURIComponent('"36.00"'), encodeURIComponent('"0.01"'));
    expect(edited).not.toBe(orderString);
    expect(await appPay(edited)).toMatchObject({ resultStatus: '4000', memo: expect.stringContaining('isv.invalid-signature') });
    const params = new URLSearchParams(orderString);
    params.set('sign', Buffer.from(params.get('sign')!, 'base64').reverse().toString('base64'));
    expect(await appPay(params.toString())).toMatchObject({ resultStatus: '4000', memo: expect.stringContaining('isv.invalid-signature') });
    expect((await paymentOf(id)()).status).toBe('requires_action');

    alipay.setFaults({ duplicateNotifications: 2 });
    try {
      expect(await appPay(orderString)).toMatchObject({ resultStatus: '9000' });
      expect(await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).toMatchObject({ status: 'succeeded', amount_received: 3_600 });
      const rows = await notificationsSettled(await orderNumberOfPayment(id), 1);
      // Stored once per notify_id, however often Alipay sends it.
      expect(rows).toHaveLength(1);
    } finally {
      alipay.setFaults({ duplicateNotifications: 0 });
    }
    expect(await eventsAbout('payment.succeeded', id)).toHaveLength(1);
  });

  it('a status query finds it paid when Alipay’s notifications do not arrive', async () => {
    const { id, orderString } = await appOrder(1_200);
    await withoutNotifications(async () => {
      expect((await appPay(orderString)).resultStatus).toBe('9000');
      clock.advanceMs(31_000);
      await resolveUnknownOutcomes(stack.context);
      expect(await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).toMatchObject({ status: 'succeeded', amount_received: 1_200 });
    });
  });

  it('refunds partly then fully; the refund notifications Alipay sends for an app trade settle nothing twice', async () => {
    const { id, orderString } = await appOrder(5_000);
    await appPay(orderString);
    await waitFor(paymentOf(id), (p) => p.status === 'succeeded');
    const partial = await refund(id, 1_500);
    expect(partial).toMatchObject({ status: 'succeeded', amount: 1_500 });
    const rest = await refund(id, 3_500);
    expect(rest).toMatchObject({ status: 'succeeded', amount: 3_500 });
    expect((await stack.api('POST', '/v1/refunds', { payment: id, amount: 1 }, { key: secretKey })).body.error.code).toBe('refund_exceeds_payment');

    // The payment's notification, then one per refund (the full one as TRADE_CLOSED, as Alipay notifies app trades).
    const rows = await notificationsSettled(await orderNumberOfPayment(id), 3);
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.outcome)).not.toContain('amount_mismatch');
    expect(await paymentOf(id)()).toMatchObject({ status: 'succeeded', amount_received: 5_000, amount_refunded: 5_000 });
    expect(await eventsAbout('refund.succeeded', partial.id)).toHaveLength(1);
    expect(await eventsAbout('refund.succeeded', rest.id)).toHaveLength(1);
  });

  it('an order string the app submits after the payment expired pays nothing', async () => {
    const { id, orderString } = await appOrder(900, 60);
    clock.advanceMs(61_000);
    await expireAbandonedPayments(stack.context);
    expect(await paymentOf(id)()).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    // time_expire in the signed order has passed: Alipay closes the trade instead of taking the money.
    expect((await appPay(orderString)).resultStatus).toBe('4000');
    expect(await paymentOf(id)()).toMatchObject({ status: 'canceled', amount_received: 0 });
    expect(await stack.db.db.selectFrom('late_payment_refunds').selectAll().where('payment_id', '=', id).execute()).toHaveLength(0);
  });

  it('an order string paid after the payer switched to a QR code is refunded as a late payment; the payment succeeds once, with the QR code’s money', async () => {
    const { id, orderString } = await appOrder(2_800);
    // The app never handed the string to Alipay, so there is no trade to close: the attempt is given up.
    const switched = await confirm(id, null);
    expect(switched.next_action.type).toBe('display_qr_code');
    expect((await appPay(orderString)).resultStatus).toBe('9000');
    const late = await waitFor(
      () => stack.db.db.selectFrom('late_payment_refunds').selectAll().where('payment_id', '=', id).executeTakeFirst(),
      (row) => row?.status === 'succeeded',
    );
    expect(late).toMatchObject({ status: 'succeeded', amount: 2_800n });
    expect((await paymentOf(id)()).status).toBe('requires_action');

    alipay.payer(await orderNumberOfPayment(id, 1)).pay();
    expect(await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).toMatchObject({ amount_received: 2_800, amount_refunded: 0 });
    expect(await eventsAbout('payment.succeeded', id)).toHaveLength(1);
    // The merchant hears of the refund once; the event's object is the late-payment refund itself.
    expect(await eventsAbout('payment.late_payment_refunded', late!.id)).toMatchObject([{ data: { object: { payment: id, amount: 2_800, status: 'pending' } } }]);
  });
});

describe('a mini-program payment (alipay.trade.create, JSAPI_PAY)', () => {
  it('my.tradePay pays the trade_no for its buyer only; a duplicated notification is applied once; refunds go back through the same trade', async () => {
    const { id, tradeNo } = await miniProgramOrder(6_600);
    expect(await tradePay(tradeNo, '2088000000009999')).toMatchObject({ resultCode: '4000' });
    expect((await paymentOf(id)()).status).toBe('requires_action');

    alipay.setFaults({ duplicateNotifications: 2 });
    try {
      expect(await tradePay(tradeNo, buyerId)).toEqual({ resultCode: '9000', memo: '' });
      expect(await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).toMatchObject({ amount_received: 6_600 });
      expect(await notificationsSettled(await orderNumberOfPayment(id), 1)).toHaveLength(1);
    } finally {
      alipay.setFaults({ duplicateNotifications: 0 });
    }
    expect(await eventsAbout('payment.succeeded', id)).toHaveLength(1);
    // Paid once: the same trade_no cannot be paid again.
    expect(await tradePay(tradeNo, buyerId)).toMatchObject({ resultCode: '4000', memo: '交易已被支付' });

    const partial = await refund(id, 600);
    expect(partial).toMatchObject({ status: 'succeeded', amount: 600 });
    // A partial refund is notified (TRADE_SUCCESS with out_biz_no); it moves nothing more.
    await notificationsSettled(await orderNumberOfPayment(id), 2);
    expect(await paymentOf(id)()).toMatchObject({ amount_refunded: 600 });
    expect(await eventsAbout('refund.succeeded', partial.id)).toHaveLength(1);
  });

  it('a buyer Alipay refuses to make the trade for (the seller’s own account) fails the attempt at once with a catalogued error; nothing is left waiting', async () => {
    const id = await newPayment(1_300);
    const refused = await stack.api(
      'POST',
      `/v1/payments/${id}/confirm`,
      { payment_method: { type: 'alipay' }, payment_method_options: { alipay: { client: 'mini_program', buyer_id: credentials.seller_id } } },
      { key: secretKey, headers: { 'accept-language': 'zh-CN' } },
    );
    expect(refused.status, JSON.stringify(refused.body)).toBe(402);
    expect(refused.body.error).toMatchObject({ type: 'payment_error', code: 'alipay_buyer_refused', payment: id });
    expect(refused.body.error.message).toContain('支付宝');
    expect(await paymentOf(id)()).toMatchObject({ status: 'requires_payment_method', last_error: { code: 'alipay_buyer_refused' } });
    const attempts = await stack.api('GET', `/v1/payments/${id}/attempts`, undefined, { key: secretKey });
    expect(attempts.body.data.map((attempt: { status: string }) => attempt.status)).toEqual(['failed']);
    // The payer can still pay another way.
    expect((await confirm(id, null)).next_action.type).toBe('display_qr_code');
  });

  it('a status query finds it paid when Alipay’s notifications do not arrive', async () => {
    const { id, tradeNo } = await miniProgramOrder(1_000);
    await withoutNotifications(async () => {
      expect((await tradePay(tradeNo, buyerId)).resultCode).toBe('9000');
      clock.advanceMs(31_000);
      await resolveUnknownOutcomes(stack.context);
      expect(await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).toMatchObject({ status: 'succeeded', amount_received: 1_000 });
    });
  });

  it('is closed at Alipay when the payment expires, so my.tradePay can no longer pay it', async () => {
    const { id, tradeNo } = await miniProgramOrder(700, 60);
    clock.advanceMs(61_000);
    await expireAbandonedPayments(stack.context);
    expect(await paymentOf(id)()).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(await tradePay(tradeNo, buyerId)).toMatchObject({ resultCode: '4000', memo: '交易已经关闭' });
  });

  it('is closed at Alipay when the payer switches to a QR code, so only one of the two can be paid', async () => {
    const { id, tradeNo } = await miniProgramOrder(1_100);
    const switched = await confirm(id, null);
    expect(switched.next_action.type).toBe('display_qr_code');
    expect(await tradePay(tradeNo, buyerId)).toMatchObject({ resultCode: '4000', memo: '交易已经关闭' });
    alipay.payer(await orderNumberOfPayment(id, 1)).pay();
    expect(await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).toMatchObject({ amount_received: 1_100 });
    expect(await stack.db.db.selectFrom('late_payment_refunds').selectAll().where('payment_id', '=', id).execute()).toHaveLength(0);
  });
});
