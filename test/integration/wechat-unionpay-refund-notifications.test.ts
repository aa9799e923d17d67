/**
 * Refund notifications of WeChat Pay and UnionPay, end to end: a refund made
 * through the API is answered `pending` by both providers (WeChat's
 * PROCESSING, UnionPay's accepted 00); it is their notification (WeChat's
 * REFUND.SUCCESS to the refund's notify_url, UnionPay's txnType 04 to its
 * backUrl) that settles it, once, under duplicated notifications, while the
 * clock stands still so no status query is due.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.ts';
import { orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { refundNumberOf } from '../../src/flows/payments/refund-payment.ts';
import { startUnionpaySimulator, type UnionpaySimulator } from '../../src/simulators/unionpay/server.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let worker: Runner;
let wechat: WechatPaySimulator;
let unionpay: UnionpaySimulator;
let secretKey: string;

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  [wechat, unionpay] = await Promise.all([
    startWechatPaySimulator({ clock, notifyDelayScale: 0.0001, refundSettleMs: 100 }),
    startUnionpaySimulator({ clock, notifyDelayScale: 0.0001 }),
  ]);
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
  const merchant = await stack.newMerchant();
  secretKey = merchant.secretKey;
  for (const [connector, simulator] of [['wechat_pay', wechat], ['unionpay', unionpay]] as const) {
    const created = await stack.api('POST', '/v1/connector_accounts', { connector, base_url: simulator.url, credentials: simulator.registerMerchant() }, { key: secretKey });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  }
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all([wechat?.close(), unionpay?.close()]);
  await stack?.close();
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const get = async (path: string) => (await stack.api('GET', path, undefined, { key: secretKey })).body;

async function paidPayment(type: 'wechat_pay' | 'unionpay'): Promise<{ id: string; orderNumber: string }> {
  const created = await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY', description: 'Oolong tea' }, { key: secretKey });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type } }, { key: secretKey });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  if (confirmed.body.next_action?.type === 'redirect_to_url') await fetch(confirmed.body.next_action.redirect_to_url.url);
  const orderNumber = orderNumberOf((await get(`/v1/payments/${created.body.id}/attempts`)).data[0].id);
  if (type === 'wechat_pay') wechat.payer(orderNumber).pay();
  else unionpay.payer(orderNumber).pay();
  expect(await waitFor(() => get(`/v1/payments/${created.body.id}`), (p) => p.status === 'succeeded')).toMatchObject({ status: 'succeeded' });
  return { id: created.body.id, orderNumber };
}

const refundNotificationsOf = async (orderNumber: string) =>
  (await stack.db.db.selectFrom('provider_notifications').select(['provider_notification_id', 'outcome', 'verdict']).where('order_number', '=', orderNumber).execute())
    .filter((row) => (row.verdict as { refund_number: string | null }).refund_number !== null);

describe('refund notifications of WeChat Pay and UnionPay', () => {
  it.each(['wechat_pay', 'unionpay'] as const)('%s: the provider\'s refund notification settles a pending refund once, under duplicates', async (type) => {
    const { id, orderNumber } = await paidPayment(type);
    if (type === 'wechat_pay') wechat.setFaults({ duplicateNotifications: true });
    else unionpay.setFaults({ duplicateNotifications: 1 });
    const refund = await stack.api('POST', '/v1/refunds', { payment: id, amount: 500 }, { key: secretKey });
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    expect(refund.body.status).toBe('pending');
    const settled = await waitFor(() => get(`/v1/refunds/${refund.body.id}`), (r) => r.status !== 'pending');
    expect(settled).toMatchObject({ status: 'succeeded', amount: 500 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stored = await refundNotificationsOf(orderNumber);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ outcome: 'applied' });
    expect(stored[0]!.verdict).toMatchObject({ refund_number: refundNumberOf(refund.body.id), amount: '500' });
    const events = await stack.db.db.selectFrom('events').select('type').where('object_id', '=', refund.body.id).where('type', '=', 'refund.succeeded').execute();
    expect(events).toHaveLength(1);
    expect(await get(`/v1/payments/${id}`)).toMatchObject({ amount_refunded: 500 });
  });
});
