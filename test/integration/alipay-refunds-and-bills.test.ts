/**
 * Issue 15 end to end with Alipay: refund notifications applied, a phone
 * paying in the mobile cashier and coming back to the checkout, and
 * reconciliation of a day from Alipay's bill in its real layout. A refund whose answer was lost stays
 * pending until Alipay's notification (the trade notification with out_biz_no
 * and refund_fee) says it succeeded: applied once however often it comes,
 * never from a forgery, never against our amounts or another merchant, and
 * never contradicting a refund already settled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.ts';
import { orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { reconcile } from '../../src/ops/reconcile.ts';
import { applyNotification } from '../../src/flows/channels/apply-notification.ts';
import { refundNumberOf } from '../../src/flows/payments/refund-payment.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let worker: Runner;
let alipay: AlipaySimulator;
let secretKey: string;
let accountId: string;

beforeAll(async () => {
  // The API waits 500 ms for Alipay, so an answer held back 1.5 s is one it never sees.
  stack = await startStack({ clock, instantRetries: true, connectorTimeoutMs: 500 });
  alipay = await startAlipaySimulator({ clock, notifyDelayScale: 0.0001 });
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
  const merchant = await stack.newMerchant();
  secretKey = merchant.secretKey;
  const created = await stack.api('POST', '/v1/connector_accounts', { connector: 'alipay', base_url: alipay.url, credentials: alipay.registerMerchant() }, { key: secretKey });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  accountId = created.body.id;
});

afterAll(async () => {
  await worker?.stop();
  await alipay?.close();
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

/** A payment of 19.99 paid with Alipay's QR code, and its order number at Alipay. */
async function paidPayment(): Promise<{ id: string; orderNumber: string }> {
  const created = await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY', description: 'Oolong tea' }, { key: secretKey });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'alipay' } }, { key: secretKey });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  await fetch(confirmed.body.next_action.display_qr_code.data); // the payer scans the code
  const attempts = await get(`/v1/payments/${created.body.id}/attempts`);
  const orderNumber = orderNumberOf(attempts.data[0].id);
  alipay.payer(orderNumber).pay();
  expect(await waitFor(() => get(`/v1/payments/${created.body.id}`), (p) => p.status === 'succeeded')).toMatchObject({ status: 'succeeded' });
  return { id: created.body.id, orderNumber };
}

const notificationsOf = (orderNumber: string) =>
  stack.db.db.selectFrom('provider_notifications').select(['provider_notification_id', 'outcome', 'verdict']).where('order_number', '=', orderNumber).execute();

/** Waits until Alipay's notification of a (partial) refund on the order has been applied, so a test can plant a state after it. */
async function refundNotificationApplied(orderNumber: string): Promise<void> {
  const rows = await waitFor(
    () => notificationsOf(orderNumber),
    (found) => found.some((row) => (row.verdict as { refund_number: string | null }).refund_number !== null && row.outcome !== null),
  );
  expect(rows.some((row) => row.outcome === 'already_final')).toBe(true);
}

describe('refund notifications', () => {
  it('settle a refund whose answer was lost, once, under duplicates and a forgery', async () => {
    const { id, orderNumber } = await paidPayment();
    // Alipay refunds but answers too late; its notification comes twice per attempt, after a forged copy.
    alipay.setFaults({ failNext: 1, failMode: 'respond_late', lateMs: 1_500, duplicateNotifications: 1, forgeNotifications: 1 });
    const refund = await stack.api('POST', '/v1/refunds', { payment: id, amount: 500 }, { key: secretKey });
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    const settled = await waitFor(() => get(`/v1/refunds/${refund.body.id}`), (r) => r.status !== 'pending');
    expect(settled).toMatchObject({ status: 'succeeded', amount: 500 });
    expect(alipay.stats().forgedNotificationsSent).toBe(1);
    // Let the duplicates and the held-back answer arrive, and the worker run whatever they queued.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const stored = (await notificationsOf(orderNumber)).filter((row) => (row.verdict as { refund_number: string | null }).refund_number !== null);
    expect(stored).toHaveLength(1);
    // Only the notification could settle it: the status query is not due (the clock stands still) and a retry answers fund_change N.
    expect(stored[0]).toMatchObject({ outcome: 'applied' });
    expect(stored[0]!.verdict).toMatchObject({ refund_number: refundNumberOf(refund.body.id), refunded_total: '500', order_amount: '1999' });
    const events = await stack.db.db.selectFrom('events').select('type').where('object_id', '=', refund.body.id).where('type', '=', 'refund.succeeded').execute();
    expect(events).toHaveLength(1);
    expect(await get(`/v1/payments/${id}`)).toMatchObject({ amount_refunded: 500 });
  });

  describe('checked against our records before anything changes', () => {
    let payment: { id: string; orderNumber: string };
    let refundId: string;
    let connectorAccountId: string;
    let merchantId: string;
    let appId: string;

    beforeAll(async () => {
      payment = await paidPayment();
      const refund = await stack.api('POST', '/v1/refunds', { payment: payment.id, amount: 300 }, { key: secretKey });
      refundId = refund.body.id;
      await refundNotificationApplied(payment.orderNumber);
      // Planted: the refund's answer was lost, so it waits for a query or a notification.
      await stack.db.db.updateTable('refunds').set({ status: 'pending', provider_reference: null }).where('id', '=', refundId).execute();
      const attempt = await stack.db.db.selectFrom('payment_attempts').selectAll().where('id', '=', `att_${payment.orderNumber.slice(3)}`).executeTakeFirstOrThrow();
      connectorAccountId = attempt.connector_account_id!;
      merchantId = attempt.merchant_id;
      const paid = (await notificationsOf(payment.orderNumber))[0]!.verdict as { merchant_identity: { app_id: string } };
      appId = paid.merchant_identity.app_id;
    });

    /** A verified refund notification as the worker would find it stored (the verdict's shape of apply-notification.ts). */
    const plant = async (providerId: string, verdict: Record<string, unknown>) => {
      const notificationId = stack.context.ids.newId('pnt');
      await stack.db.db
        .insertInto('provider_notifications')
        .values({
          id: notificationId,
          merchant_id: merchantId,
          connector_account_id: connectorAccountId,
          provider_notification_id: `${providerId}-${payment.orderNumber}`,
          order_number: payment.orderNumber,
          verdict: JSON.stringify({
            refund_number: refundNumberOf(refundId),
            amount: null,
            order_amount: '1999',
            refunded_total: '300',
            merchant_identity: { app_id: appId },
            state: { kind: 'succeeded', reference: refundNumberOf(refundId) },
            ...verdict,
          }),
          received_at: new Date(clock.nowMs()),
        })
        .execute();
      return applyNotification(stack.context, { id: notificationId, merchantId });
    };
    const refundNow = () => stack.db.db.selectFrom('refunds').selectAll().where('id', '=', refundId).executeTakeFirstOrThrow();

    it('refuses another merchant, another order total, a refunded total short of the refund or beyond the order, and a refund amount that differs', async () => {
      expect(await plant('identity', { merchant_identity: { app_id: '2021000000000000' } })).toBe('identity_mismatch');
      expect(await plant('order-total', { order_amount: '1' })).toBe('amount_mismatch');
      expect(await plant('short-total', { refunded_total: '299' })).toBe('amount_mismatch');
      expect(await plant('beyond-order', { refunded_total: '2000' })).toBe('amount_mismatch');
      // WeChat Pay's shape: the refund's own amount.
      expect(await plant('refund-amount', { amount: '301', order_amount: null, refunded_total: null })).toBe('amount_mismatch');
      expect(await plant('unknown-refund', { refund_number: 're00000000000000000000000000' })).toBe('unknown_refund');
      expect(await plant('still-processing', { state: { kind: 'pending', reference: 'x' } })).toBe('waiting');
      expect((await refundNow()).status).toBe('pending');
    });

    it('applies a notification in WeChat Pay’s shape once; a second one for the same refund changes nothing', async () => {
      expect(await plant('wechat-success', { amount: '300', order_amount: null, refunded_total: null, merchant_identity: {} })).toBe('applied');
      expect(await plant('wechat-success-again', { amount: '300', order_amount: null, refunded_total: null, merchant_identity: {} })).toBe('already_final');
      expect(await refundNow()).toMatchObject({ status: 'succeeded' });
      const events = await stack.db.db.selectFrom('events').select('type').where('object_id', '=', refundId).where('type', '=', 'refund.succeeded').execute();
      expect(events).toHaveLength(2); // the refund's own success, planted back to pending, and this one
    });

    it('never contradicts a settled refund: a failure told after success changes nothing, and says so', async () => {
      expect(await plant('late-failure', { amount: '300', state: { kind: 'failed', reason: 'REFUND.ABNORMAL' } })).toBe('refund_status_conflict');
      expect(await refundNow()).toMatchObject({ status: 'succeeded', failure_reason: null });
      const stored = await stack.db.db.selectFrom('provider_notifications').select('outcome').where('provider_notification_id', '=', `late-failure-${payment.orderNumber}`).executeTakeFirstOrThrow();
      expect(stored.outcome).toBe('refund_status_conflict');
    });
  });
});

describe('a phone pays in Alipay’s mobile cashier (wap.pay)', () => {
  it('goes from the checkout to the cashier and, once paid, back to the checkout', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY', description: 'Oolong tea' }, { key: secretKey });
    const checkout = `${stack.url}/checkout/${created.body.id}`;
    const phone = { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile' };
    const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'alipay' }, return_url: checkout }, { key: secretKey, headers: phone });
    expect(confirmed.body.next_action.type).toBe('redirect_to_url');
    const link = new URL(confirmed.body.next_action.redirect_to_url.url);
    expect(link.searchParams.get('method')).toBe('alipay.trade.wap.pay');
    const cashier = await fetch(link, { headers: phone });
    expect(cashier.url).toMatch(/\/pay\/att/);
    const orderNumber = cashier.url.split('/pay/')[1]!;
    const paid = await fetch(`${alipay.url}/pay/${orderNumber}/pay`, { method: 'POST', headers: phone, redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')!.startsWith(`${checkout}?`)).toBe(true);
    expect(await waitFor(() => get(`/v1/payments/${created.body.id}`), (p) => p.status === 'succeeded')).toMatchObject({ status: 'succeeded', amount_received: 1999 });
  });
});

describe('reconciliation from Alipay’s bill in its real layout', () => {
  it('reads the day from the ZIP of GBK files, matches what agrees and repairs a refund we still thought pending', async () => {
    const matched = await paidPayment();
    const refunded = await paidPayment();
    const refund = await stack.api('POST', '/v1/refunds', { payment: refunded.id, amount: 999 }, { key: secretKey });
    expect(refund.body.status).toBe('succeeded');
    await refundNotificationApplied(refunded.orderNumber);
    // Planted: we never heard how the refund ended.
    await stack.db.db.updateTable('refunds').set({ status: 'pending' }).where('id', '=', refund.body.id).execute();
    // Alipay's bill of a day is ready the next day.
    const date = new Date(clock.nowMs() + 8 * 60 * 60 * 1000).toISOString().slice(0, 10);
    clock.advanceMs(24 * 60 * 60 * 1000);
    const report = await reconcile(stack.context, accountId, date);
    const ours = report.mismatches.filter((m) => [matched.orderNumber, refunded.orderNumber].includes(m.orderNumber));
    expect(ours).toEqual([
      expect.objectContaining({ kind: 'status_differs', orderNumber: refunded.orderNumber, refundNumber: refundNumberOf(refund.body.id), ourAmount: 999n, theirAmount: 999n, repaired: true }),
    ]);
    expect(await get(`/v1/refunds/${refund.body.id}`)).toMatchObject({ status: 'succeeded' });
    expect(report.matched).toBeGreaterThanOrEqual(3);
  });
});
