/**
 * Alipay, WeChat Pay and UnionPay at their edges: a currency a channel cannot
 * take is refused before anything is recorded or sent, and an order whose
 * creation got no clear answer, and that the provider still does not know
 * once it cannot merely be not visible yet, is settled as never made, so the
 * payment is never left processing and the payer can pay again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAttempt, resolveUnknownOutcomes } from '../../src/flows/channels/resolve-outcomes.ts';
import { applyOrderState, orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { openConnectorAccount } from '../../src/store/connector-accounts.ts';
import { limits } from '../../src/domain/limits.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { startUnionpaySimulator, type UnionpaySimulator } from '../../src/simulators/unionpay/server.ts';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 2, 2, 0, 0));
let stack: Stack;
let alipay: AlipaySimulator;
let wechat: WechatPaySimulator;
let unionpay: UnionpaySimulator;
let secretKey: string;

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  [alipay, wechat, unionpay] = await Promise.all([
    startAlipaySimulator({ clock, notifyDelayScale: 0.0001 }),
    startWechatPaySimulator({ clock, notifyDelayScale: 0.0001 }),
    startUnionpaySimulator({ clock, notifyDelayScale: 0.0001 }),
  ]);
  const merchant = await stack.newMerchant();
  secretKey = merchant.secretKey;
  for (const [connector, simulator] of [['alipay', alipay], ['wechat_pay', wechat], ['unionpay', unionpay]] as const) {
    const created = await stack.api('POST', '/v1/connector_accounts', { connector, base_url: simulator.url, credentials: simulator.registerMerchant() }, { key: secretKey });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  }
});

afterAll(async () => {
  await Promise.all([alipay?.close(), wechat?.close(), unionpay?.close()]);
  await stack?.close();
});

const channels = ['alipay', 'wechat_pay', 'unionpay'] as const;
type Channel = (typeof channels)[number];

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => stack.api(method, path, body, { key: secretKey, headers });
const paymentOf = async (id: string) => (await api('GET', `/v1/payments/${id}`)).body;
const attemptsOf = async (id: string) => (await api('GET', `/v1/payments/${id}/attempts`)).body.data as { id: string; connector: string; status: string; tries: number }[];
const ordersAt = () => ({ alipay: alipay.stats(), wechat_pay: wechat.stats().ordersCreated, unionpay: unionpay.stats() });

async function createPayment(body: Record<string, unknown>) {
  const created = await api('POST', '/v1/payments', { amount: 1999, description: 'Oolong tea', ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body;
}

describe('a currency a channel cannot take', () => {
  it('is not offered by default: a USD payment offers only what takes USD, a CNY payment every channel', async () => {
    const usd = await createPayment({ currency: 'USD' });
    expect(usd.payment_method_types).toEqual(['card']);
    const cny = await createPayment({ currency: 'CNY' });
    expect(cny.payment_method_types).toEqual(expect.arrayContaining(['card', ...channels]));
  });

  it.each(channels)('refuses %s asked for explicitly on a USD payment, with a localized message and suggestion, and creates nothing', async (type) => {
    const before = (await stack.db.db.selectFrom('payments').select('id').execute()).length;
    const refused = await api('POST', '/v1/payments', { amount: 1999, currency: 'USD', payment_method_types: ['card', type] }, { 'accept-language': 'zh-CN' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'payment_method_unavailable', param: 'payment_method_types', type: 'invalid_request_error' });
    expect(refused.body.error.message).toContain(type);
    expect(refused.body.error.message).toMatch(/[\u4e00-\u9fff]/);
    expect(refused.body.error.suggestion).toContain('card');
    expect(refused.body.error.suggestion).not.toContain(type);
    expect((await stack.db.db.selectFrom('payments').select('id').execute()).length).toBe(before);
  });

  it.each(channels)('refuses to confirm a USD payment with %s before any attempt is recorded or sent, and the payer can still pay by card', async (type) => {
    const payment = await createPayment({ currency: 'USD' });
    // A payment created before channels were filtered by currency still lists them.
    await stack.db.db.updateTable('payments').set({ payment_method_types: ['card', ...channels] }).where('id', '=', payment.id).execute();
    const sent = JSON.stringify(ordersAt());
    const refused = await api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type } }, { 'accept-language': 'en' });
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'payment_method_unavailable', param: 'payment_method.type', payment: payment.id });
    expect(refused.body.error.message).toContain(type);
    expect(refused.body.error.suggestion).toContain('card');
    expect(refused.body.error.suggestion).not.toContain(type);
    expect(await paymentOf(payment.id)).toMatchObject({ status: 'requires_payment_method', payment_method: null });
    expect(await attemptsOf(payment.id)).toEqual([]);
    expect(JSON.stringify(ordersAt())).toBe(sent);
    const paid = await api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(paid.body).toMatchObject({ status: 'succeeded', amount_received: 1999, currency: 'USD' });
  });
});

/** Makes every try of the next order creation answer 500 (WeChat: SYSTEM_ERROR), as the simulator's control API is driven. */
async function failNextCreation(simulator: AlipaySimulator | WechatPaySimulator) {
  const response = await fetch(`${simulator.url}/_control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ failNext: limits.connectorAttemptsMax, failMode: 'error_500' }),
  });
  expect(response.status).toBe(200);
}

/** Confirms with `type` while the provider answers 500: the outcome is unknown and the payment waits, processing. */
async function confirmIntoUnknown(type: 'alipay' | 'wechat_pay', options: { expiresInSeconds?: number } = {}) {
  const payment = await createPayment({ currency: 'CNY', expires_in_seconds: options.expiresInSeconds ?? 1800 });
  await failNextCreation(type === 'alipay' ? alipay : wechat);
  const confirmed = await api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type } });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  expect(confirmed.body.status).toBe('processing');
  expect(await attemptsOf(payment.id)).toMatchObject([{ connector: type, status: 'unknown', tries: limits.connectorAttemptsMax }]);
  return payment.id as string;
}

/** Sweeps the way the worker does, in steps of its polling interval, up to `ms` later. */
async function sweepFor(ms: number) {
  const stepMs = 31_000;
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    clock.advanceMs(Math.min(stepMs, ms - elapsed));
    await resolveUnknownOutcomes(stack.context);
  }
}

async function payAgain(id: string, type: Channel, simulator: { payer(orderNumber: string): { pay(): void } }) {
  const again = await api('POST', `/v1/payments/${id}/confirm`, { payment_method: { type } });
  expect(again.status, JSON.stringify(again.body)).toBe(200);
  expect(again.body.status).toBe('requires_action');
  if (again.body.next_action?.type === 'redirect_to_url') expect((await fetch(again.body.next_action.redirect_to_url.url)).status).toBe(200);
  if (again.body.next_action?.type === 'display_qr_code') expect((await fetch(again.body.next_action.display_qr_code.data)).status).toBe(200);
  const attempts = await attemptsOf(id);
  expect(attempts).toHaveLength(2);
  simulator.payer(orderNumberOf(attempts.at(-1)!.id)).pay();
  await sweepFor(31_000);
  expect(await paymentOf(id)).toMatchObject({ status: 'succeeded', amount_received: 1999, amount_refunded: 0 });
}

describe('an order the provider never made', () => {
  it.each([
    ['wechat_pay', () => wechat],
    ['alipay', () => alipay],
  ] as const)('%s: a creation answered 500 and an order the provider does not know is settled as failed once it cannot be merely not visible yet, and the payer pays again', async (type, simulator) => {
    const id = await confirmIntoUnknown(type);
    // Not found yet is not "never made" yet: the payment keeps waiting.
    await sweepFor(limits.channelOrderMissingSettleAfterMs - 31_000);
    expect((await paymentOf(id)).status).toBe('processing');
    expect(await attemptsOf(id)).toMatchObject([{ status: 'unknown' }]);

    await sweepFor(62_000);
    const failed = await paymentOf(id);
    expect(failed).toMatchObject({ status: 'requires_payment_method', amount_received: 0, last_error: { code: 'connector_unavailable' } });
    expect(await attemptsOf(id)).toMatchObject([{ status: 'failed' }]);
    const history = (await api('GET', `/v1/payments/${id}/history`)).body.data;
    expect(history.at(-1)).toMatchObject({ from_status: 'processing', to_status: 'requires_payment_method', actor: 'system', reason: 'status_query' });
    const events = await stack.db.db.selectFrom('events').select('type').where('object_id', '=', id).execute();
    expect(events.map((e) => e.type)).toContain('payment.payment_failed');
    expect(events.map((e) => e.type)).not.toContain('payment.succeeded');

    await payAgain(id, type, simulator());
  });

  it('wechat_pay: an order whose creation reaches WeChat only after the attempt was settled is refunded if paid, never counted', async () => {
    const id = await confirmIntoUnknown('wechat_pay');
    await sweepFor(limits.channelOrderMissingSettleAfterMs + 31_000);
    const settled = await paymentOf(id);
    expect(settled.status).toBe('requires_payment_method');
    const attempt = await stack.db.db.selectFrom('payment_attempts').selectAll().where('payment_id', '=', id).executeTakeFirstOrThrow();
    const row = await stack.db.db.selectFrom('connector_accounts').selectAll().where('id', '=', attempt.connector_account_id!).executeTakeFirstOrThrow();
    const account = openConnectorAccount(row, stack.context.keys.credentials);
    const connector = stack.context.connectors.channels.wechat_pay;
    // The creation we gave up on lands at WeChat after all, and somebody pays it.
    const orderNumber = attempt.provider_idempotency_key;
    const late = await connector.createOrder(account, {
      orderNumber, amount: 1999n, currency: 'CNY', subject: 'Oolong tea', device: 'desktop', returnUrl: null,
      notifyUrl: `${stack.url}/v1/notify/${row.id}`, expiresAt: new Date(Date.parse(settled.expires_at)), payerIp: null,
    });
    expect(late.kind).toBe('requires_action');
    wechat.payer(orderNumber).pay();
    const state = await connector.queryOrder(account, { orderNumber });
    expect(state.kind).toBe('paid');
    // What the notification (or any later query) leads to: the money goes back, the payment never counts it.
    expect(await applyOrderState(stack.context, attempt, state, { actor: 'provider', reason: 'notification' })).toBe('late_payment_refunded');
    const lateRefund = () => stack.db.db.selectFrom('late_payment_refunds').selectAll().where('attempt_id', '=', attempt.id).executeTakeFirstOrThrow();
    // WeChat refunds after a moment (PROCESSING, then SUCCESS); the worker's sweep asks until it is done.
    for (let tries = 0; (await lateRefund()).status === 'pending' && tries < 20; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await sweepFor(31_000);
    }
    expect(await lateRefund()).toMatchObject({ status: 'succeeded', amount: 1999n, currency: 'CNY' });
    expect(await paymentOf(id)).toMatchObject({ status: 'requires_payment_method', amount_received: 0 });
    await payAgain(id, 'wechat_pay', wechat);
  });

  it('alipay: a payment the notification made succeed is not refunded as late by a query that read its attempt before (found by the 10 000-payment chaos run)', async () => {
    const payment = await createPayment({ currency: 'CNY' });
    const confirmed = await api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'alipay' } });
    expect(confirmed.body.status).toBe('requires_action');
    // A status query (or a duplicate notification) reads the attempt while the payer is still paying…
    const stale = await stack.db.db.selectFrom('payment_attempts').selectAll().where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
    alipay.payer(orderNumberOf(stale.id)).pay();
    const row = await stack.db.db.selectFrom('connector_accounts').selectAll().where('id', '=', stale.connector_account_id!).executeTakeFirstOrThrow();
    const state = await stack.context.connectors.channels.alipay.queryOrder(openConnectorAccount(row, stack.context.keys.credentials), { orderNumber: orderNumberOf(stale.id) });
    expect(state.kind).toBe('paid');
    // …the notification makes the payment succeed meanwhile (with the attempt as it is then)…
    const current = await stack.db.db.selectFrom('payment_attempts').selectAll().where('id', '=', stale.id).executeTakeFirstOrThrow();
    expect(await applyOrderState(stack.context, current, state, { actor: 'provider', reason: 'notification' })).toBe('applied');
    expect(await paymentOf(payment.id)).toMatchObject({ status: 'succeeded', amount_received: 1999 });
    // …then the query applies the same "paid" with the row it read: the payment's own charge, never a late one.
    expect(await applyOrderState(stack.context, stale, state, { actor: 'system', reason: 'status_query' })).toBe('already_final');
    expect(await stack.db.db.selectFrom('late_payment_refunds').select('id').where('payment_id', '=', payment.id).execute()).toEqual([]);
    expect(await paymentOf(payment.id)).toMatchObject({ status: 'succeeded', amount_received: 1999, amount_refunded: 0 });
  });

  it('alipay: a status query that read the attempt before a notification made the payment succeed leaves the attempt succeeded, and a later query refunds nothing (found by the second 10 000-payment chaos run)', async () => {
    const payment = await createPayment({ currency: 'CNY' });
    const confirmed = await api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'alipay' } });
    expect(confirmed.body.status).toBe('requires_action');
    // The worker's status query reads the attempt while the payer is still paying…
    const stale = await stack.db.db.selectFrom('payment_attempts').selectAll().where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
    alipay.payer(orderNumberOf(stale.id)).pay();
    const row = await stack.db.db.selectFrom('connector_accounts').selectAll().where('id', '=', stale.connector_account_id!).executeTakeFirstOrThrow();
    const state = await stack.context.connectors.channels.alipay.queryOrder(openConnectorAccount(row, stack.context.keys.credentials), { orderNumber: orderNumberOf(stale.id) });
    // …the notification makes the payment succeed meanwhile…
    const current = await stack.db.db.selectFrom('payment_attempts').selectAll().where('id', '=', stale.id).executeTakeFirstOrThrow();
    expect(await applyOrderState(stack.context, current, state, { actor: 'provider', reason: 'notification' })).toBe('applied');
    // …then the query goes on with the row it read: it finds the payment final and closes the attempt's record.
    await resolveAttempt(stack.context, stale);
    const after = await stack.db.db.selectFrom('payment_attempts').selectAll().where('id', '=', stale.id).executeTakeFirstOrThrow();
    expect(after.status).toBe('succeeded');
    // A notification resent later reads the attempt afresh: the payment's own charge, never refunded as late.
    expect(await applyOrderState(stack.context, after, state, { actor: 'provider', reason: 'notification' })).toBe('already_final');
    expect(await stack.db.db.selectFrom('late_payment_refunds').select('id').where('payment_id', '=', payment.id).execute()).toEqual([]);
    expect(await paymentOf(payment.id)).toMatchObject({ status: 'succeeded', amount_received: 1999, amount_refunded: 0 });
  });

  it('unionpay: an attempt a crash left pending, whose form the payer never got, is settled the same way', async () => {
    const payment = await createPayment({ currency: 'CNY' });
    const confirmed = await api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'unionpay' } });
    expect(confirmed.body.status).toBe('requires_action');
    // Rewind to the moment after the attempt was recorded and before its outcome was, as a crash would leave it.
    const [attempt] = await attemptsOf(payment.id);
    await stack.db.db.updateTable('payments').set({ status: 'processing', next_action: null }).where('id', '=', payment.id).execute();
    await stack.db.db.updateTable('payment_attempts').set({ status: 'pending', next_query_at: new Date(clock.nowMs() + 60_000) }).where('id', '=', attempt!.id).execute();

    await sweepFor(limits.channelOrderMissingSettleAfterMs - 31_000);
    expect((await paymentOf(payment.id)).status).toBe('processing');
    await sweepFor(62_000);
    expect(await paymentOf(payment.id)).toMatchObject({ status: 'requires_payment_method', last_error: { code: 'connector_unavailable' } });
    expect(await attemptsOf(payment.id)).toMatchObject([{ status: 'failed' }]);
    await payAgain(payment.id, 'unionpay', unionpay);
  });

  it('cancels the payment as abandoned when it expired before the bound, instead of reopening it', async () => {
    const id = await confirmIntoUnknown('wechat_pay', { expiresInSeconds: 120 });
    await sweepFor(124_000);
    const canceled = await paymentOf(id);
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned', amount_received: 0 });
    expect(await attemptsOf(id)).toMatchObject([{ status: 'failed' }]);
  });

  it('leaves alone a QR code the payer holds and has not opened yet: only its expiry closes it', async () => {
    const payment = await createPayment({ currency: 'CNY' });
    const confirmed = await api('POST', `/v1/payments/${payment.id}/confirm`, { payment_method: { type: 'alipay' } });
    expect(confirmed.body).toMatchObject({ status: 'requires_action', next_action: { type: 'display_qr_code' } });
    // Alipay answers ACQ.TRADE_NOT_EXIST for a code nobody has scanned.
    await sweepFor(limits.channelOrderMissingSettleAfterMs + 62_000);
    expect((await paymentOf(payment.id)).status).toBe('requires_action');
    expect(await attemptsOf(payment.id)).toMatchObject([{ status: 'requires_action' }]);
    // The payer scans it late, and pays.
    expect((await fetch(confirmed.body.next_action.display_qr_code.data)).status).toBe(200);
    alipay.payer(orderNumberOf((await attemptsOf(payment.id))[0]!.id)).pay();
    await sweepFor(31_000);
    expect(await paymentOf(payment.id)).toMatchObject({ status: 'succeeded', amount_received: 1999 });
  });
});
