/**
 * A `review` decision on the channels that capture at once (Alipay, WeChat
 * Pay): the payment goes ahead, joins the review queue once it succeeds;
 * approving closes the review, rejecting refunds it in full through the
 * provider (once, however often the reject is sent). End to end against the
 * simulators, with the worker applying their notifications.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.ts';
import { orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let worker: Runner;
let alipay: AlipaySimulator;
let wechat: WechatPaySimulator;
let secretKey: string;

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  [alipay, wechat] = await Promise.all([startAlipaySimulator({ clock, notifyDelayScale: 0.0001 }), startWechatPaySimulator({ clock, notifyDelayScale: 0.0001 })]);
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
  const merchant = await stack.newMerchant({ name: 'Reviewed Tea' });
  secretKey = merchant.secretKey;
  for (const [connector, url, credentials] of [['alipay', alipay.url, alipay.registerMerchant()], ['wechat_pay', wechat.url, wechat.registerMerchant()]] as const) {
    const created = await stack.api('POST', '/v1/connector_accounts', { connector, base_url: url, credentials }, { key: secretKey });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  }
  const rule = await stack.api('POST', '/v1/risk_rules', { name: 'Hold big orders', expression: 'amount >= 10000', action: 'review' }, { key: secretKey });
  expect(rule.status, JSON.stringify(rule.body)).toBe(200);
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all([alipay?.close(), wechat?.close()]);
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

const paymentOf = (id: string) => async () => (await stack.api('GET', `/v1/payments/${id}`, undefined, { key: secretKey })).body;
const queue = async () => ((await stack.api('GET', '/v1/reviews', undefined, { key: secretKey })).body.data as { id: string; refund_on_reject: boolean }[]).map((r) => r.id);

/** A payment of `amount` by `type`, paid by the payer on the simulator's side. */
async function paid(type: 'alipay' | 'wechat_pay', amount: number) {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', description: 'Pu-erh cake' }, { key: secretKey });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type } }, { key: secretKey });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  expect(confirmed.body.status).toBe('requires_action');
  const id = created.body.id as string;
  // Not in the queue before it is paid.
  expect(await queue()).not.toContain(id);
  const attempts = await stack.api('GET', `/v1/payments/${id}/attempts`, undefined, { key: secretKey });
  const orderNumber = orderNumberOf(attempts.body.data[0].id);
  (type === 'alipay' ? alipay : wechat).payer(orderNumber).pay();
  expect((await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).status).toBe('succeeded');
  return id;
}

describe('review on the QR and redirect channels', () => {
  it('Alipay: the held payment is paid, queued once it succeeds, and approving closes the review without moving the money', async () => {
    const id = await paid('alipay', 12_000);
    const risk = await stack.api('GET', `/v1/payments/${id}/risk`, undefined, { key: secretKey });
    expect(risk.body.decision).toBe('review');
    const reviews = (await stack.api('GET', '/v1/reviews', undefined, { key: secretKey })).body.data;
    expect(reviews.find((r: { id: string }) => r.id === id)).toMatchObject({ status: 'pending', capture_on_approve: false, refund_on_reject: true });
    const approved = await stack.api('POST', `/v1/reviews/${id}/approve`, {}, { key: secretKey });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved' });
    expect(await paymentOf(id)()).toMatchObject({ status: 'succeeded', amount_refunded: 0 });
    expect(await queue()).not.toContain(id);
    expect((await stack.api('POST', `/v1/reviews/${id}/approve`, {}, { key: secretKey })).status).toBe(409);
  });

  it('WeChat Pay: rejecting refunds the payment in full at the provider, once, and closes the review', async () => {
    const id = await paid('wechat_pay', 15_000);
    expect(await queue()).toContain(id);
    const rejected = await stack.api('POST', `/v1/reviews/${id}/reject`, {}, { key: secretKey });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected' });
    const refunds = await stack.db.db.selectFrom('refunds').select(['amount', 'reason', 'status']).where('payment_id', '=', id).execute();
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: 15_000n, reason: 'fraudulent' });
    const refunded = await waitFor(paymentOf(id), (p) => p.amount_refunded === 15_000);
    expect(refunded.amount_refunded).toBe(15_000);

    // A crash after the refund and before the close: deciding again closes it without a second refund.
    await stack.db.db.updateTable('risk_reviews').set({ status: 'pending', decided_at: null }).where('payment_id', '=', id).execute();
    expect((await stack.api('POST', `/v1/reviews/${id}/reject`, {}, { key: secretKey })).status).toBe(200);
    expect(await stack.db.db.selectFrom('refunds').select('id').where('payment_id', '=', id).execute()).toHaveLength(1);
  });

  it('a payment under the rule goes through with no review', async () => {
    const id = await paid('alipay', 5_000);
    expect((await stack.api('GET', `/v1/payments/${id}/risk`, undefined, { key: secretKey })).body.decision).toBe('allow');
    expect(await queue()).not.toContain(id);
  });
});
