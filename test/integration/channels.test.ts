/**
 * Alipay, WeChat Pay and UnionPay end to end: the API creates the order at the
 * provider's simulator, the payer pays on the simulator's side, the signed
 * notification comes to /v1/notify/:account, the worker applies it. Forged
 * notifications change nothing but a status query; duplicates change nothing
 * twice; an order the payer left is closed at the provider when it expires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from 'graphile-worker';
import { startWorker } from '../../src/jobs/worker.ts';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { resolveUnknownOutcomes } from '../../src/flows/channels/resolve-outcomes.ts';
import { applyOrderState, orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { reconcile } from '../../src/ops/reconcile.ts';
import { applyNotification } from '../../src/flows/channels/apply-notification.ts';
import { openConnectorAccount } from '../../src/store/connector-accounts.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { startUnionpaySimulator, type UnionpaySimulator } from '../../src/simulators/unionpay/server.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';
import { startMailCatcher, type MailCatcher } from '../../src/simulators/mail-catcher/server.ts';
import { smtpMailer } from '../../src/messaging/mailer.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let worker: Runner;
let alipay: AlipaySimulator;
let wechat: WechatPaySimulator;
let unionpay: UnionpaySimulator;
let slowAlipay: AlipaySimulator;
let secretKey: string;

let catcher: MailCatcher;

beforeAll(async () => {
  catcher = await startMailCatcher();
  stack = await startStack({
    clock,
    instantRetries: true,
    messaging: { mailer: smtpMailer({ host: '127.0.0.1', port: catcher.smtpPort, secure: false, user: null, password: null }), sms: null, mailFrom: 'shop@example.com' },
  });
  const scale = 0.0001;
  [alipay, wechat, unionpay, slowAlipay] = await Promise.all([
    startAlipaySimulator({ clock, notifyDelayScale: scale }),
    startWechatPaySimulator({ clock, notifyDelayScale: scale }),
    startUnionpaySimulator({ clock, notifyDelayScale: scale }),
    // Resends only after minutes: a forged notification stays the only one during a test.
    startAlipaySimulator({ clock, notifyDelayScale: 1 }),
  ]);
  worker = await startWorker(stack.context, stack.db.pool, { concurrency: 2, logLevel: 'silent' });
  ({ secretKey } = await merchantWith({ alipay, wechat, unionpay }));
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all([alipay?.close(), wechat?.close(), unionpay?.close(), slowAlipay?.close()]);
  stack?.context.messaging.mailer?.close();
  await stack?.close();
  await catcher?.close();
});

async function merchantWith(simulators: { alipay?: AlipaySimulator; wechat?: WechatPaySimulator; unionpay?: UnionpaySimulator }) {
  const merchant = await stack.newMerchant();
  const add = async (connector: string, base_url: string, credentials: object) => {
    const created = await stack.api('POST', '/v1/connector_accounts', { connector, base_url, credentials }, { key: merchant.secretKey });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body.id as string;
  };
  if (simulators.alipay) await add('alipay', simulators.alipay.url, simulators.alipay.registerMerchant());
  if (simulators.wechat) await add('wechat_pay', simulators.wechat.url, simulators.wechat.registerMerchant());
  if (simulators.unionpay) await add('unionpay', simulators.unionpay.url, simulators.unionpay.registerMerchant());
  return merchant;
}

async function startPayment(type: string, options: { key?: string; mobile?: boolean; expiresInSeconds?: number } = {}) {
  const key = options.key ?? secretKey;
  const created = await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY', description: 'Oolong tea', expires_in_seconds: options.expiresInSeconds ?? 1800 }, { key });
  expect(created.body.payment_method_types).toContain(type);
  const headers: Record<string, string> = options.mobile ? { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile' } : {};
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type } }, { key, headers });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  // The payer opens the provider's page, as a browser following the redirect would.
  if (confirmed.body.next_action?.type === 'redirect_to_url') {
    const page = await fetch(confirmed.body.next_action.redirect_to_url.url, { headers });
    expect(page.status).toBe(200);
  }
  const attempts = await stack.api('GET', `/v1/payments/${created.body.id}/attempts`, undefined, { key });
  return { id: created.body.id as string, confirmed: confirmed.body, orderNumber: orderNumberOf(attempts.body.data[0].id) };
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const paymentOf = (id: string, key = secretKey) => async () => (await stack.api('GET', `/v1/payments/${id}`, undefined, { key })).body;

describe('paying through the providers', () => {
  it('Alipay on a desktop: a QR code, the payer pays, the signed notification makes the payment succeed', async () => {
    const { id, confirmed, orderNumber } = await startPayment('alipay');
    expect(confirmed).toMatchObject({ status: 'requires_action', next_action: { type: 'display_qr_code' } });
    expect(confirmed.next_action.display_qr_code.data).toContain(orderNumber);
    alipay.payer(orderNumber).pay();
    const paid = await waitFor(paymentOf(id), (p) => p.status === 'succeeded');
    expect(paid).toMatchObject({ status: 'succeeded', amount_received: 1999, payment_method: { type: 'alipay' } });
    const history = await stack.api('GET', `/v1/payments/${id}/history`, undefined, { key: secretKey });
    expect(history.body.data.at(-1)).toMatchObject({ from_status: 'requires_action', to_status: 'succeeded', actor: 'provider', reason: 'notification' });
  });

  it('WeChat Pay on a phone: a redirect to the H5 page, then the encrypted notification', async () => {
    const { id, confirmed, orderNumber } = await startPayment('wechat_pay', { mobile: true });
    expect(confirmed).toMatchObject({ status: 'requires_action', next_action: { type: 'redirect_to_url' } });
    wechat.payer(orderNumber).pay();
    expect(await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).toMatchObject({ status: 'succeeded', amount_received: 1999 });
  });

  it('UnionPay: a redirect to the signed front form, then the back notification', async () => {
    const { id, confirmed, orderNumber } = await startPayment('unionpay');
    expect(confirmed).toMatchObject({ status: 'requires_action', next_action: { type: 'redirect_to_url' } });
    unionpay.payer(orderNumber).pay();
    expect(await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).toMatchObject({ status: 'succeeded', amount_received: 1999 });
  });

  it('a wallet top-up paid with WeChat Pay fills the wallet only when the notification says paid, once, however often it comes', async () => {
    const customer = await stack.api('POST', '/v1/customers', { locale: 'zh-CN' }, { key: secretKey });
    const topUp = await stack.api('POST', `/v1/customers/${customer.body.id}/wallet/top_ups`, { amount: 5_000, currency: 'CNY' }, { key: secretKey });
    expect(topUp.body).toMatchObject({ purpose: 'wallet_top_up', payment_method_types: expect.arrayContaining(['wechat_pay']) });
    const confirmed = await stack.api('POST', `/v1/payments/${topUp.body.id}/confirm`, { payment_method: { type: 'wechat_pay' } }, { key: secretKey });
    expect(confirmed.body.status).toBe('requires_action');
    const balance = async () => (await stack.api('GET', `/v1/customers/${customer.body.id}/wallet?currency=CNY`, undefined, { key: secretKey })).body;
    expect(await balance()).toMatchObject({ available: 0 });
    const attempts = await stack.api('GET', `/v1/payments/${topUp.body.id}/attempts`, undefined, { key: secretKey });
    const orderNumber = orderNumberOf(attempts.body.data[0].id);
    wechat.setFaults({ duplicateNotifications: true });
    wechat.payer(orderNumber).pay();
    await waitFor(paymentOf(topUp.body.id), (p) => p.status === 'succeeded');
    wechat.setFaults({ duplicateNotifications: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await balance()).toMatchObject({ available: 5_000, balance: 5_000 });
    const history = await stack.api('GET', `/v1/customers/${customer.body.id}/wallet/transactions`, undefined, { key: secretKey });
    expect(history.body.data).toMatchObject([{ type: 'top_up', amount: 5_000, payment: topUp.body.id }]);
  });

  it('sends the payer exactly one email when Alipay notifies three times (a forgery, the genuine one and a duplicate)', async () => {
    const email = `three-${Date.now()}@example.com`;
    const customer = await stack.api('POST', '/v1/customers', { email, locale: 'zh-CN' }, { key: secretKey });
    const created = await stack.api('POST', '/v1/payments', { amount: 1999, currency: 'CNY', customer: customer.body.id, order: { reference: 'T-333' } }, { key: secretKey });
    await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'alipay' } }, { key: secretKey });
    const attempts = await stack.api('GET', `/v1/payments/${created.body.id}/attempts`, undefined, { key: secretKey });
    alipay.setFaults({ forgeNotifications: 1, duplicateNotifications: 1 });
    alipay.payer(orderNumberOf(attempts.body.data[0].id)).pay();
    await waitFor(paymentOf(created.body.id), (p) => p.status === 'succeeded');
    const received = await catcher.waitForEmail((e) => e.to.includes(email), 10_000);
    expect(received.subject).toContain('T-333');
    // Give every notification and job time to land, then count.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(catcher.emails().filter((e) => e.to.includes(email))).toHaveLength(1);
    const notifications = await stack.db.db.selectFrom('provider_notifications').select('id').where('order_number', '=', orderNumberOf(attempts.body.data[0].id)).execute();
    expect(notifications.length).toBeGreaterThanOrEqual(1);
  });

  it('lets the payer leave a QR code for another method: the first order is closed, so only one can be paid', async () => {
    const { id, orderNumber, confirmed } = await startPayment('alipay');
    // The payer scanned the code (so the trade exists at Alipay), then chose WeChat Pay instead.
    await fetch(confirmed.next_action.display_qr_code.data);
    const switched = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: { type: 'wechat_pay' } }, { key: secretKey });
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    expect(switched.body).toMatchObject({ status: 'requires_action', payment_method: { type: 'wechat_pay' } });
    // The Alipay order is closed: paying it now changes nothing.
    const alipayPage = await fetch(`${alipay.url}/pay/${orderNumber}`);
    expect(await alipayPage.text()).not.toContain('value="pay"');
    const attempts = await stack.api('GET', `/v1/payments/${id}/attempts`, undefined, { key: secretKey });
    expect(attempts.body.data.map((a: { connector: string; status: string }) => [a.connector, a.status])).toEqual([['alipay', 'failed'], ['wechat_pay', 'requires_action']]);
    const history = await stack.api('GET', `/v1/payments/${id}/history`, undefined, { key: secretKey });
    expect(history.body.data.map((h: { reason: string | null }) => h.reason)).toContain('payment_method_switched');
    wechat.payer(orderNumberOf(attempts.body.data[1].id)).pay();
    expect(await waitFor(paymentOf(id), (p) => p.status === 'succeeded')).toMatchObject({ amount_received: 1999, payment_method: { type: 'wechat_pay' } });
  });

  it('answers the succeeded payment when the payer had paid the QR code just before switching', async () => {
    const { id, orderNumber } = await startPayment('alipay');
    alipay.setFaults({ dropNotifications: 1 });
    alipay.payer(orderNumber).pay();
    const switched = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: { type: 'wechat_pay' } }, { key: secretKey });
    expect(switched.body).toMatchObject({ status: 'succeeded', payment_method: { type: 'alipay' } });
    const attempts = await stack.api('GET', `/v1/payments/${id}/attempts`, undefined, { key: secretKey });
    expect(attempts.body.data).toHaveLength(1);
  });

  it('refunds an order the payer paid after switching away from it, and never counts it as the payment', async () => {
    // The payer never opened the Alipay code, so Alipay cannot close it; they switch to WeChat Pay.
    const { id, orderNumber } = await startPayment('alipay');
    const switched = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: { type: 'wechat_pay' } }, { key: secretKey });
    expect(switched.body.status).toBe('requires_action');
    // Later they scan the old code anyway and pay it.
    alipay.payer(orderNumber).pay();
    const late = await waitFor(
      () => stack.db.db.selectFrom('late_payment_refunds').selectAll().where('payment_id', '=', id).executeTakeFirst(),
      (row) => row?.status === 'succeeded',
    );
    expect(late).toMatchObject({ status: 'succeeded', amount: 1999n, currency: 'CNY' });
    const account = await stack.db.db.selectFrom('connector_accounts').selectAll().where('id', '=', late!.connector_account_id).executeTakeFirstOrThrow();
    const atAlipay = await stack.context.connectors.channels.alipay.queryRefund(openConnectorAccount(account, stack.context.keys.credentials), {
      orderNumber,
      refundNumber: late!.id.replace('_', ''),
    });
    expect(atAlipay.kind).toBe('succeeded');
    // The payment still waits on WeChat Pay and succeeds once, with that money.
    expect((await paymentOf(id)()).status).toBe('requires_action');
    const attempts = await stack.api('GET', `/v1/payments/${id}/attempts`, undefined, { key: secretKey });
    wechat.payer(orderNumberOf(attempts.body.data[1].id)).pay();
    const paid = await waitFor(paymentOf(id), (p) => p.status === 'succeeded');
    expect(paid).toMatchObject({ amount_received: 1999, amount_refunded: 0, payment_method: { type: 'wechat_pay' } });
    const events = await stack.api('GET', '/v1/events?type=payment.late_payment_refunded', undefined, { key: secretKey });
    expect(events.body.data[0].data.object).toMatchObject({ payment: id, connector: 'alipay', amount: 1999 });
  });

  it('UnionPay queries name the original txnTime, which the flows hand back from the attempt', async () => {
    const { id, orderNumber } = await startPayment('unionpay');
    unionpay.payer(orderNumber).pay();
    await waitFor(paymentOf(id), (p) => p.status === 'succeeded');
    const attempt = await stack.db.db.selectFrom('payment_attempts').selectAll().where('id', '=', `att_${orderNumber.slice(3)}`).executeTakeFirstOrThrow();
    const row = await stack.db.db.selectFrom('connector_accounts').selectAll().where('id', '=', attempt.connector_account_id!).executeTakeFirstOrThrow();
    const account = openConnectorAccount(row, stack.context.keys.credentials);
    const connector = stack.context.connectors.channels.unionpay;
    expect(await connector.queryOrder(account, { orderNumber, orderCreatedAt: attempt.started_at })).toMatchObject({ kind: 'paid', amountPaid: 1999n });
    const wrongTime = await connector.queryOrder(account, { orderNumber, orderCreatedAt: new Date(attempt.started_at.getTime() - 3_600_000) });
    expect(wrongTime.kind).not.toBe('paid');
  });

  it('a notification that arrives after a status query settled the payment changes nothing', async () => {
    wechat.setFaults({ dropNotifications: true });
    const { id, orderNumber } = await startPayment('wechat_pay');
    try {
      wechat.payer(orderNumber).pay();
      clock.advanceMs(31_000);
      await resolveUnknownOutcomes(stack.context);
      expect((await paymentOf(id)()).status).toBe('succeeded');
    } finally {
      wechat.setFaults({ dropNotifications: false });
    }
    const before = (await stack.api('GET', `/v1/payments/${id}/history`, undefined, { key: secretKey })).body.data.length;
    const late = await waitFor(
      () => stack.db.db.selectFrom('provider_notifications').select(['outcome', 'applied_at']).where('order_number', '=', orderNumber).execute(),
      (rows) => rows.some((r) => r.applied_at !== null),
    );
    expect(late.map((r) => r.outcome)).toContain('already_final');
    expect((await stack.api('GET', `/v1/payments/${id}/history`, undefined, { key: secretKey })).body.data).toHaveLength(before);
  });

  it('refuses to apply a notification whose amount or merchant differs from our records', async () => {
    const { id, orderNumber } = await startPayment('wechat_pay');
    const attempt = await stack.db.db.selectFrom('payment_attempts').selectAll().where('id', '=', `att_${orderNumber.slice(3)}`).executeTakeFirstOrThrow();
    const plant = async (providerId: string, amount: string, identity: Record<string, string>) => {
      const notificationId = stack.context.ids.newId('pnt');
      await stack.db.db
        .insertInto('provider_notifications')
        .values({
          id: notificationId,
          merchant_id: attempt.merchant_id,
          connector_account_id: attempt.connector_account_id!,
          provider_notification_id: providerId,
          order_number: orderNumber,
          verdict: JSON.stringify({ refund_number: null, amount, merchant_identity: identity, state: { kind: 'paid', reference: 'wx-1', amount_paid: amount, paid_at: null } }),
          received_at: new Date(clock.nowMs()),
        })
        .execute();
      return applyNotification(stack.context, { id: notificationId, merchantId: attempt.merchant_id });
    };
    expect(await plant(`planted-amount-${orderNumber}`, '1', {})).toBe('amount_mismatch');
    expect(await plant(`planted-merchant-${orderNumber}`, '1999', { mchid: 'someone-else' })).toBe('identity_mismatch');
    expect((await paymentOf(id)()).status).toBe('requires_action');
  });

  it('applies duplicated notifications once', async () => {
    alipay.setFaults({ duplicateNotifications: 3 });
    try {
      const { id, orderNumber } = await startPayment('alipay');
      alipay.payer(orderNumber).pay();
      await waitFor(paymentOf(id), (p) => p.status === 'succeeded');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const history = await stack.api('GET', `/v1/payments/${id}/history`, undefined, { key: secretKey });
      expect(history.body.data.filter((e: { to_status: string }) => e.to_status === 'succeeded')).toHaveLength(1);
      const events = await stack.db.db.selectFrom('events').select('type').where('object_id', '=', id).where('type', '=', 'payment.succeeded').execute();
      expect(events).toHaveLength(1);
    } finally {
      alipay.setFaults({ duplicateNotifications: 0 });
    }
  });

  it('never trusts a forged notification: nothing changes but a status query, which finds the truth', async () => {
    const merchant = await merchantWith({ alipay: slowAlipay });
    const { id, orderNumber } = await startPayment('alipay', { key: merchant.secretKey });
    // The forged notification arrives; the genuine one is lost and would only be resent minutes later.
    slowAlipay.setFaults({ forgeNotifications: 1, dropNotifications: 1 });
    slowAlipay.payer(orderNumber).pay();
    const attemptId = `att_${orderNumber.slice(3)}`;
    // The forged notification asks for a status query now; the worker's poll_order job may already have run it.
    const attempt = await waitFor(
      () => stack.db.db.selectFrom('payment_attempts').select(['status', 'next_query_at']).where('id', '=', attemptId).executeTakeFirstOrThrow(),
      (row) => row.status === 'succeeded' || (row.next_query_at !== null && row.next_query_at.getTime() <= clock.nowMs()),
    );
    if (attempt.status !== 'succeeded') {
      expect(attempt.next_query_at!.getTime()).toBeLessThanOrEqual(clock.nowMs());
      expect((await paymentOf(id, merchant.secretKey)()).status).toBe('requires_action');
    }
    const stored = await stack.db.db.selectFrom('provider_notifications').select('id').where('order_number', '=', orderNumber).execute();
    expect(stored).toEqual([]);
    await resolveUnknownOutcomes(stack.context);
    const settled = await paymentOf(id, merchant.secretKey)();
    expect(settled.status).toBe('succeeded');
    const history = await stack.api('GET', `/v1/payments/${id}/history`, undefined, { key: merchant.secretKey });
    expect(history.body.data.at(-1)).toMatchObject({ actor: 'system', reason: 'status_query' });
  });

  it('tells the payer when the provider declined, and the payer may try again', async () => {
    const { id, orderNumber } = await startPayment('wechat_pay');
    wechat.payer(orderNumber).fail();
    clock.advanceMs(31_000);
    await resolveUnknownOutcomes(stack.context);
    const failed = await paymentOf(id)();
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_error).toMatchObject({ code: 'payment_failed_at_provider', type: 'payment_error' });
  });
});

describe('refunds through the providers', () => {
  it.each([
    ['alipay', () => alipay],
    ['wechat_pay', () => wechat],
    ['unionpay', () => unionpay],
  ] as const)('%s: refunds part, then the rest, and never more than was paid', async (type, simulator) => {
    const { id, orderNumber } = await startPayment(type);
    simulator().payer(orderNumber).pay();
    await waitFor(paymentOf(id), (p) => p.status === 'succeeded');
    const settle = async (refundId: string) =>
      waitFor(
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 250));
          clock.advanceMs(31_000);
          await resolveUnknownOutcomes(stack.context);
          return (await stack.api('GET', `/v1/refunds/${refundId}`, undefined, { key: secretKey })).body;
        },
        (refund) => refund.status !== 'pending',
      );
    const part = await stack.api('POST', '/v1/refunds', { payment: id, amount: 500, reason: 'after_sales' }, { key: secretKey });
    expect(part.status, JSON.stringify(part.body)).toBe(200);
    expect(part.body.status === 'succeeded' ? part.body : await settle(part.body.id)).toMatchObject({ status: 'succeeded', amount: 500 });
    const rest = await stack.api('POST', '/v1/refunds', { payment: id }, { key: secretKey });
    expect(rest.body.amount).toBe(1499);
    expect(rest.body.status === 'succeeded' ? rest.body : await settle(rest.body.id)).toMatchObject({ status: 'succeeded' });
    const more = await stack.api('POST', '/v1/refunds', { payment: id, amount: 1 }, { key: secretKey });
    expect(more.body.error.code).toBe('refund_exceeds_payment');
    expect((await paymentOf(id)()).amount_refunded).toBe(1999);
  });
});

describe('orders the payer left', () => {
  it.each([
    ['alipay', () => alipay],
    ['wechat_pay', () => wechat],
    ['unionpay', () => unionpay],
  ] as const)('%s: closes the order at the provider when the payment expires, and cancels it as abandoned', async (type, simulator) => {
    const { id, orderNumber } = await startPayment(type, { expiresInSeconds: 60 });
    simulator().payer(orderNumber).leave();
    clock.advanceMs(61_000);
    await expireAbandonedPayments(stack.context);
    expect(await paymentOf(id)()).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
  });

  it('cancels in the same sweep even when a status query changed the payment while the order was being closed', async () => {
    const { id } = await startPayment('wechat_pay', { expiresInSeconds: 60 });
    const connector = stack.context.connectors.channels.wechat_pay;
    const closeOrder = connector.closeOrder.bind(connector);
    // The worker's status query sees the closed order and fails the attempt while the sweep is still closing it.
    (connector as { closeOrder: typeof closeOrder }).closeOrder = async (account, order) => {
      const closed = await closeOrder(account, order);
      const attempt = await stack.db.db.selectFrom('payment_attempts').selectAll().where('payment_id', '=', id).executeTakeFirstOrThrow();
      await applyOrderState(stack.context, attempt, { kind: 'closed' }, { actor: 'system', reason: 'status_query' });
      return closed;
    };
    try {
      clock.advanceMs(61_000);
      await expireAbandonedPayments(stack.context);
    } finally {
      (connector as { closeOrder: typeof closeOrder }).closeOrder = closeOrder;
    }
    expect(await paymentOf(id)()).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
  });

  it('a payment the payer paid just before it expired succeeds instead of being canceled', async () => {
    const { id, orderNumber } = await startPayment('wechat_pay', { expiresInSeconds: 60 });
    wechat.setFaults({ dropNotifications: true });
    try {
      wechat.payer(orderNumber).pay();
      clock.advanceMs(61_000);
      await expireAbandonedPayments(stack.context);
      expect(await paymentOf(id)()).toMatchObject({ status: 'succeeded', amount_received: 1999 });
    } finally {
      wechat.setFaults({ dropNotifications: false });
    }
  });
});

describe('reconciliation', () => {
  it('finds each kind of mismatch in the WeChat Pay trade bill, repairs what is safe, and stores each once', async () => {
    const merchant = await merchantWith({ wechat });
    const key = merchant.secretKey;
    const accounts = await stack.api('GET', '/v1/connector_accounts', undefined, { key });
    const accountId = accounts.body.data.find((a: { connector: string }) => a.connector === 'wechat_pay').id as string;
    const paidAndKnown = await startPayment('wechat_pay', { key });
    wechat.payer(paidAndKnown.orderNumber).pay();
    await waitFor(paymentOf(paidAndKnown.id, key), (p) => p.status === 'succeeded');

    // We recorded another amount than WeChat took (planted in our records).
    const amountDiffers = await startPayment('wechat_pay', { key });
    wechat.payer(amountDiffers.orderNumber).pay();
    await waitFor(paymentOf(amountDiffers.id, key), (p) => p.status === 'succeeded');
    await stack.db.db.updateTable('payment_attempts').set({ amount: 1998n }).where('id', '=', `att_${amountDiffers.orderNumber.slice(3)}`).execute();

    // Paid at WeChat, but every notification is lost (until the end of the test) and nobody asked yet: we still think it waits.
    wechat.setFaults({ dropNotifications: true });
    const paidUnknownHere = await startPayment('wechat_pay', { key });
    wechat.payer(paidUnknownHere.orderNumber).pay();

    // We show a payment WeChat never took (planted: the payer never paid).
    const missingThere = await startPayment('wechat_pay', { key });
    await stack.db.db
      .updateTable('payment_attempts')
      .set({ status: 'succeeded', completed_at: new Date(clock.nowMs()) })
      .where('id', '=', `att_${missingThere.orderNumber.slice(3)}`)
      .execute();

    // WeChat shows a payment Paypilot never made (an order created outside it).
    const row = await stack.db.db.selectFrom('connector_accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
    const external = await stack.context.connectors.channels.wechat_pay.createOrder(openConnectorAccount(row, stack.context.keys.credentials), {
      orderNumber: 'external000000000001',
      amount: 700n,
      currency: 'CNY',
      subject: 'sold at the counter',
      device: 'desktop',
      returnUrl: null,
      notifyUrl: 'http://127.0.0.1:9/nowhere',
      expiresAt: new Date(clock.nowMs() + 600_000),
      payerIp: null,
    });
    expect(external.kind).toBe('requires_action');
    wechat.payer('external000000000001').pay();

    const date = new Date(clock.nowMs() + 8 * 60 * 60 * 1000).toISOString().slice(0, 10);
    const report = await reconcile(stack.context, accountId, date).finally(() => wechat.setFaults({ dropNotifications: false }));
    const byOrder = Object.fromEntries(report.mismatches.map((m) => [m.orderNumber, m]));
    expect(report.matched).toBe(1);
    expect(byOrder[paidUnknownHere.orderNumber]).toMatchObject({ kind: 'status_differs', repaired: true });
    expect(byOrder[amountDiffers.orderNumber]).toMatchObject({ kind: 'amount_differs', ourAmount: 1998n, theirAmount: 1999n, repaired: false });
    expect(byOrder[missingThere.orderNumber]).toMatchObject({ kind: 'missing_there', repaired: false });
    expect(byOrder.external000000000001).toMatchObject({ kind: 'missing_here', theirAmount: 700n, repaired: false });
    expect(report.mismatches).toHaveLength(4);

    const repaired = await paymentOf(paidUnknownHere.id, key)();
    expect(repaired).toMatchObject({ status: 'succeeded', amount_received: 1999 });
    const history = await stack.api('GET', `/v1/payments/${paidUnknownHere.id}/history`, undefined, { key });
    expect(history.body.data.at(-1)).toMatchObject({ to_status: 'succeeded', actor: 'system', reason: 'reconciliation' });

    await reconcile(stack.context, accountId, date);
    const stored = await stack.db.db.selectFrom('reconciliation_mismatches').select(['kind', 'repaired']).where('connector_account_id', '=', accountId).execute();
    expect(stored).toHaveLength(4);
    expect(stored.find((m) => m.kind === 'status_differs')?.repaired).toBe(true);
  });
});
