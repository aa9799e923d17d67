/**
 * The WeChat Pay connector against the simulated WeChat Pay, over real
 * sockets: orders, payments, notifications (verified, decrypted, forged,
 * stale, duplicated, resent), refunds, the trade bill, and what a failing
 * WeChat Pay turns into.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpExchange } from '../http-exchange.ts';
import type { ChannelConnector, ConnectorAccount, CreateOrderRequest, NotificationVerdict } from '../connector.ts';
import { startWechatPaySimulator } from '../../simulators/wechat-pay/server.ts';
import type { WechatPayMerchantCredentials, WechatPaySimulator } from '../../simulators/wechat-pay/server.ts';
import { createWechatPayConnector } from './wechat-pay-connector.ts';
import { beijingDate } from './wire.ts';

let wechat: WechatPaySimulator;
let credentials: WechatPayMerchantCredentials;
let account: ConnectorAccount;
/** The simulator listens on 127.0.0.1: test-mode accounts, with the operator's flag that allows private addresses in test mode. */
const simulatorExchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
const connector: ChannelConnector = createWechatPayConnector({ exchange: simulatorExchange, timeoutMs: 2_000 });

/** What the merchant's notify_url received, and how it answered. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  verdict: NotificationVerdict;
  answeredStatus: number;
}

let receiver: Server;
let notifyUrl: string;
let received: Received[] = [];
/** The receiver answers 500 to this many notifications before acknowledging as the verdict says. */
let refuseNext = 0;

beforeAll(async () => {
  wechat = await startWechatPaySimulator({ notifyDelayScale: 0.001, refundSettleMs: 50 });
  credentials = wechat.registerMerchant();
  account = { id: 'acct_wechat_test', connector: 'wechat_pay', mode: 'test', baseUrl: wechat.url, credentials: { ...credentials } };
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]));
      const verdict = connector.verifyNotification(account, { headers, rawBody, nowMs: Date.now() });
      const refuse = refuseNext > 0;
      if (refuse) refuseNext -= 1;
      const ack = refuse ? { status: 500, contentType: 'application/json', body: '{"code":"FAIL","message":"失败"}' } : verdict.ack;
      received.push({ path: request.url ?? '', headers: request.headers, rawBody, verdict, answeredStatus: ack.status });
      response.writeHead(ack.status, { 'Content-Type': ack.contentType });
      response.end(ack.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  if (address === null || typeof address !== 'object') throw new Error('receiver has no port');
  notifyUrl = `http://127.0.0.1:${address.port}/notify/wechat`;
});

afterAll(async () => {
  await wechat.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

beforeEach(async () => {
  wechat.reset();
  // A resend of the previous test may still be on the wire: let it land before forgetting it.
  await new Promise((resolve) => setTimeout(resolve, 30));
  received = [];
  refuseNext = 0;
});

async function waitFor(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let orderCounter = 0;
function newOrderNumber(): string {
  orderCounter += 1;
  return `PP${Date.now()}${String(orderCounter).padStart(4, '0')}`;
}

function orderRequest(overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest {
  return {
    orderNumber: newOrderNumber(),
    amount: 1234n,
    currency: 'CNY',
    subject: '测试商品 Paypilot',
    device: 'desktop',
    returnUrl: null,
    notifyUrl,
    expiresAt: new Date(Date.now() + 30 * 60 * 1000),
    payerIp: null,
    ...overrides,
  };
}

async function createPaidOrder(amount = 1234n): Promise<{ orderNumber: string; reference: string }> {
  const request = orderRequest({ amount });
  const created = await connector.createOrder(account, request);
  expect(created.kind).toBe('requires_action');
  wechat.payer(request.orderNumber).pay();
  const state = await connector.queryOrder(account, { orderNumber: request.orderNumber });
  if (state.kind !== 'paid') throw new Error(`order not paid: ${state.kind}`);
  return { orderNumber: request.orderNumber, reference: state.reference };
}

describe('orders and payment', () => {
  it('creates a native order (QR code), is paid, notifies a verified and decrypted payment, and queries paid', async () => {
    const request = orderRequest();
    const created = await connector.createOrder(account, request);
    expect(created).toMatchObject({ kind: 'requires_action', reference: null, nextAction: { type: 'display_qr_code' } });
    if (created.kind !== 'requires_action' || created.nextAction.type !== 'display_qr_code') throw new Error('no QR code');
    expect(created.nextAction.display_qr_code.data).toContain(`/pay/${request.orderNumber}`);
    expect(created.nextAction.display_qr_code.expires_at).toBe(request.expiresAt.toISOString());

    expect(await connector.queryOrder(account, { orderNumber: request.orderNumber })).toEqual({ kind: 'pending' });
    // The payer opens the code_url: the page shows amount and description.
    const page = await (await fetch(created.nextAction.display_qr_code.data)).text();
    expect(page).toContain('12.34');
    expect(page).toContain('测试商品 Paypilot');

    wechat.payer(request.orderNumber).pay();
    await waitFor(() => received.length === 1);
    const notice = received[0];
    expect(notice?.verdict.kind).toBe('verified');
    if (notice?.verdict.kind !== 'verified') throw new Error('not verified');
    const body = JSON.parse(notice.rawBody.toString('utf8')) as { id: string; event_type: string; resource: { ciphertext: string } };
    expect(body.event_type).toBe('TRANSACTION.SUCCESS');
    // The transaction travels encrypted: the order number is not in the clear.
    expect(notice.rawBody.toString('utf8')).not.toContain(request.orderNumber);
    expect(notice.verdict).toMatchObject({
      notificationId: body.id,
      orderNumber: request.orderNumber,
      refundNumber: null,
      amount: 1234n,
      merchantIdentity: { mchid: credentials.mchid, appid: credentials.appid },
      ack: { status: 204, body: '' },
    });
    expect(notice.answeredStatus).toBe(204);

    const state = await connector.queryOrder(account, { orderNumber: request.orderNumber });
    expect(state).toMatchObject({ kind: 'paid', amountPaid: 1234n });
    if (state.kind !== 'paid' || notice.verdict.state.kind !== 'paid') throw new Error('not paid');
    expect(state.reference).toMatch(/^42000\d{23}$/);
    expect(notice.verdict.state.reference).toBe(state.reference);
    expect(state.paidAt).toBeInstanceOf(Date);
    expect(wechat.stats().notificationsAcknowledged).toBe(1);
  });

  it('creates an H5 order that redirects the payer, with the payer IP or 127.0.0.1', async () => {
    for (const payerIp of ['203.0.113.9', null]) {
      const request = orderRequest({ device: 'mobile', payerIp, returnUrl: 'https://shop.example/done' });
      const created = await connector.createOrder(account, request);
      expect(created).toMatchObject({ kind: 'requires_action', nextAction: { type: 'redirect_to_url' } });
      if (created.kind !== 'requires_action' || created.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
      expect(created.nextAction.redirect_to_url.url).toContain(`/pay/${request.orderNumber}`);
      expect(created.nextAction.redirect_to_url.url).toContain(`redirect_url=${encodeURIComponent('https://shop.example/done')}`);
    }
  });

  it('answers the same order again on a retry, and refuses another order under the same number (unknown, never success)', async () => {
    const request = orderRequest();
    const first = await connector.createOrder(account, request);
    const again = await connector.createOrder(account, request);
    expect(again).toEqual(first);
    const other = await connector.createOrder(account, { ...request, amount: 999n });
    expect(other.kind).toBe('unknown');
    expect(wechat.stats().ordersCreated).toBe(1);
  });

  it('reports a failed payment as failed, and sends no notification for it', async () => {
    const request = orderRequest();
    await connector.createOrder(account, request);
    wechat.payer(request.orderNumber).fail();
    const state = await connector.queryOrder(account, { orderNumber: request.orderNumber });
    expect(state).toMatchObject({ kind: 'failed' });
    expect(state.kind === 'failed' && state.detail).toContain('PAYERROR');
    await sleep(50);
    expect(received).toHaveLength(0);
  });

  it('closes an order the payer left, which then queries closed and can no longer be paid', async () => {
    const request = orderRequest();
    await connector.createOrder(account, request);
    wechat.payer(request.orderNumber).leave();
    expect(await connector.queryOrder(account, { orderNumber: request.orderNumber })).toEqual({ kind: 'pending' });
    expect(await connector.closeOrder(account, { orderNumber: request.orderNumber })).toEqual({ kind: 'closed' });
    expect(await connector.queryOrder(account, { orderNumber: request.orderNumber })).toEqual({ kind: 'closed' });
    expect(() => wechat.payer(request.orderNumber).pay()).toThrow();
    expect(received).toHaveLength(0);
  });

  it('answers already_paid when closing a paid order, which stays paid', async () => {
    const { orderNumber } = await createPaidOrder();
    expect(await connector.closeOrder(account, { orderNumber })).toEqual({ kind: 'already_paid' });
    expect((await connector.queryOrder(account, { orderNumber })).kind).toBe('paid');
  });

  it('queries an order WeChat never saw as not_found, but does not call closing it a success', async () => {
    expect(await connector.queryOrder(account, { orderNumber: newOrderNumber() })).toEqual({ kind: 'not_found' });
    // The order may still arrive late (a create that timed out), so "closed" would be a guess.
    expect((await connector.closeOrder(account, { orderNumber: newOrderNumber() })).kind).toBe('unknown');
  });

  it('closes an expired unpaid order on its own', async () => {
    const request = orderRequest({ expiresAt: new Date(Date.now() + 1000) });
    await connector.createOrder(account, request);
    await sleep(2100);
    expect(await connector.queryOrder(account, { orderNumber: request.orderNumber })).toEqual({ kind: 'closed' });
  });
});

describe('refunds', () => {
  it('refunds partly then fully, refuses a refund beyond what remains, and notifies each refund', async () => {
    const { orderNumber } = await createPaidOrder(1000n);
    await waitFor(() => received.length === 1);
    const refund = (refundNumber: string, amount: bigint) =>
      connector.refund(account, { orderNumber, refundNumber, amount, totalAmount: 1000n, currency: 'CNY', reason: '测试退款' });

    const partial = await refund('RF1', 300n);
    expect(partial).toMatchObject({ kind: 'pending' });
    const over = await refund('RF2', 701n);
    expect(over).toMatchObject({ kind: 'failed' });
    expect(over.kind === 'failed' && over.reason).toContain('INVALID_REQUEST');
    const rest = await refund('RF3', 700n);
    expect(rest).toMatchObject({ kind: 'pending' });
    expect(await refund('RF4', 1n)).toMatchObject({ kind: 'failed' });

    // The same refund number again is the same refund, never a second one.
    // (It may have settled meanwhile: pending or succeeded, under the same reference.)
    const retried = await refund('RF1', 300n);
    expect(['pending', 'succeeded']).toContain(retried.kind);
    expect(retried.kind !== 'failed' && 'reference' in retried && retried.reference).toBe(partial.kind === 'pending' && partial.reference);
    expect(wechat.stats().refundsCreated).toBe(2);

    await waitFor(() => received.length === 3);
    const refundNotices = received.slice(1).map((notice) => notice.verdict);
    for (const verdict of refundNotices) expect(verdict).toMatchObject({ kind: 'verified', orderNumber, state: { kind: 'succeeded' }, merchantIdentity: { mchid: credentials.mchid } });
    expect(refundNotices.map((verdict) => (verdict.kind === 'verified' ? [verdict.refundNumber, verdict.amount] : null)).sort()).toEqual([['RF1', 300n], ['RF3', 700n]]);

    const queried = await connector.queryRefund(account, { orderNumber, refundNumber: 'RF1' });
    expect(queried).toEqual({ kind: 'succeeded', reference: partial.kind === 'pending' ? partial.reference : '' });
    expect(await connector.queryRefund(account, { orderNumber, refundNumber: 'RF2' })).toEqual({ kind: 'not_found' });
    // Fully refunded: the order is still paid (trade_state REFUND).
    expect((await connector.queryOrder(account, { orderNumber })).kind).toBe('paid');
  });

  it('sends REFUND.SUCCESS to the notify_url the refund names, not the order\'s', async () => {
    const { orderNumber } = await createPaidOrder(500n);
    await waitFor(() => received.length === 1);
    const refundNotifyUrl = notifyUrl.replace('/notify/wechat', '/notify/wechat-refunds');
    const accepted = await connector.refund(account, { orderNumber, refundNumber: 'RFN1', amount: 500n, totalAmount: 500n, currency: 'CNY', reason: null, notifyUrl: refundNotifyUrl });
    expect(accepted.kind).toBe('pending');
    await waitFor(() => received.length === 2);
    const notice = received[1];
    expect(notice?.path).toBe('/notify/wechat-refunds');
    expect(JSON.parse(notice?.rawBody.toString('utf8') ?? '{}')).toMatchObject({ event_type: 'REFUND.SUCCESS', resource: { original_type: 'refund', algorithm: 'AEAD_AES_256_GCM' } });
    expect(notice?.verdict).toMatchObject({ kind: 'verified', orderNumber, refundNumber: 'RFN1', amount: 500n, state: { kind: 'succeeded' } });
  });

  it('refuses to refund an unpaid order, and a refund query about another order is not believed', async () => {
    const request = orderRequest();
    await connector.createOrder(account, request);
    const refused = await connector.refund(account, { orderNumber: request.orderNumber, refundNumber: 'RX1', amount: 1n, totalAmount: 1234n, currency: 'CNY', reason: null });
    expect(refused.kind).toBe('failed');
    const { orderNumber } = await createPaidOrder();
    await connector.refund(account, { orderNumber, refundNumber: 'RX2', amount: 1n, totalAmount: 1234n, currency: 'CNY', reason: null });
    expect((await connector.queryRefund(account, { orderNumber: 'SOMEOTHER1', refundNumber: 'RX2' })).kind).toBe('unknown');
  });
});

describe('notifications that must not be believed', () => {
  it('rejects a forged notification (signed with another key) with 400 FAIL, and WeChat resends it', async () => {
    wechat.setFaults({ forgeNotifications: true });
    const request = orderRequest();
    await connector.createOrder(account, request);
    wechat.payer(request.orderNumber).pay();
    await waitFor(() => received.length >= 2);
    const verdict = received[0]?.verdict;
    expect(verdict?.kind).toBe('rejected');
    expect(verdict?.ack).toEqual({ status: 400, contentType: 'application/json', body: '{"code":"FAIL","message":"失败"}' });
    // The resource opens under our APIv3 key, so it names the order to look up; nothing else is believed.
    expect(verdict?.kind === 'rejected' && verdict.orderNumber).toBe(request.orderNumber);
    expect(received.every((notice) => notice.verdict.kind === 'rejected')).toBe(true);
  });

  it('rejects a notification signed with a timestamp 10 minutes old', async () => {
    wechat.setFaults({ staleTimestamps: true });
    const request = orderRequest();
    await connector.createOrder(account, request);
    wechat.payer(request.orderNumber).pay();
    await waitFor(() => received.length >= 1);
    expect(received[0]?.verdict).toMatchObject({ kind: 'rejected', ack: { status: 400 } });
    expect(received[0]?.verdict.kind === 'rejected' && received[0].verdict.reason).toContain('5 minutes');
  });

  it('rejects a notification whose body was changed after signing, or whose serial is not the platform\'s', async () => {
    const request = orderRequest();
    await connector.createOrder(account, request);
    wechat.payer(request.orderNumber).pay();
    await waitFor(() => received.length === 1);
    const { headers, rawBody } = received[0] as Received;
    const flat = headers as Record<string, string>;
    const tampered = Buffer.from(rawBody.toString('utf8').replace('"summary":"支付成功"', '"summary":"支付成功 "'));
    expect(connector.verifyNotification(account, { headers: flat, rawBody: tampered, nowMs: Date.now() }).kind).toBe('rejected');
    expect(connector.verifyNotification(account, { headers: { ...flat, 'wechatpay-serial': 'ABC' }, rawBody, nowMs: Date.now() }).kind).toBe('rejected');
    // A notification under another merchant's APIv3 key does not open: rejected even though it is signed.
    const otherAccount = { ...account, credentials: { ...account.credentials, apiv3_key: 'x'.repeat(32) } };
    expect(connector.verifyNotification(otherAccount, { headers: flat, rawBody, nowMs: Date.now() })).toMatchObject({ kind: 'rejected', orderNumber: null });
    // The original still verifies (the checks above are not vacuous), but not 5 minutes later.
    expect(connector.verifyNotification(account, { headers: flat, rawBody, nowMs: Date.now() }).kind).toBe('verified');
    expect(connector.verifyNotification(account, { headers: flat, rawBody, nowMs: Date.now() + 300_000 }).kind).toBe('rejected');
  });
});

describe('notification delivery', () => {
  it('sends duplicates with the same id and body', async () => {
    wechat.setFaults({ duplicateNotifications: true });
    const request = orderRequest();
    await connector.createOrder(account, request);
    wechat.payer(request.orderNumber).pay();
    await waitFor(() => received.length === 2);
    const ids = received.map((notice) => (notice.verdict.kind === 'verified' ? notice.verdict.notificationId : null));
    expect(ids[0]).not.toBeNull();
    expect(ids[1]).toBe(ids[0]);
    expect(received[1]?.rawBody.equals(received[0]?.rawBody as Buffer)).toBe(true);
  });

  it('resends a notification that was not acknowledged, on the schedule, until it is', async () => {
    refuseNext = 2;
    const request = orderRequest();
    await connector.createOrder(account, request);
    wechat.payer(request.orderNumber).pay();
    await waitFor(() => received.length === 3);
    expect(received.map((notice) => notice.answeredStatus)).toEqual([500, 500, 204]);
    const ids = new Set(received.map((notice) => (notice.verdict.kind === 'verified' ? notice.verdict.notificationId : '')));
    expect(ids.size).toBe(1);
    await sleep(100);
    expect(received).toHaveLength(3);
    expect(wechat.stats()).toMatchObject({ notificationsSent: 3, notificationsAcknowledged: 1 });
  });

  it('gives up after the 15 resends of the schedule', async () => {
    refuseNext = 1_000;
    const quick = await startWechatPaySimulator({ notifyDelayScale: 0.00001 });
    try {
      const merchant = quick.registerMerchant();
      const quickAccount = { ...account, baseUrl: quick.url, credentials: { ...merchant } };
      const request = orderRequest();
      await connector.createOrder(quickAccount, request);
      quick.payer(request.orderNumber).pay();
      await waitFor(() => received.length === 16);
      await sleep(300);
      expect(received).toHaveLength(16);
    } finally {
      await quick.close();
    }
  });

  it('drops notifications when told to: the order is still paid, and only a query tells', async () => {
    wechat.setFaults({ dropNotifications: true });
    const { orderNumber } = await createPaidOrder();
    await sleep(100);
    expect(received).toHaveLength(0);
    expect(wechat.stats().notificationsDropped).toBeGreaterThan(0);
    expect((await connector.queryOrder(account, { orderNumber })).kind).toBe('paid');
  });

  it('reorders notifications: the later one arrives first', async () => {
    wechat.setFaults({ reorder: true });
    const first = orderRequest();
    const second = orderRequest();
    await connector.createOrder(account, first);
    await connector.createOrder(account, second);
    wechat.payer(first.orderNumber).pay();
    wechat.payer(second.orderNumber).pay();
    await waitFor(() => received.length === 2);
    expect(received.map((notice) => (notice.verdict.kind === 'verified' ? notice.verdict.orderNumber : null))).toEqual([second.orderNumber, first.orderNumber]);
  });
});

describe('a WeChat Pay that fails or cannot be believed', () => {
  it('turns a 500 into unknown, never a success or a refusal', async () => {
    wechat.setFaults({ failNext: 1, failMode: 'error_500' });
    expect((await connector.createOrder(account, orderRequest())).kind).toBe('unknown');
    expect(wechat.stats().ordersCreated).toBe(0);
  });

  it('turns no answer within the timeout into unknown', async () => {
    const quick = createWechatPayConnector({ exchange: simulatorExchange, timeoutMs: 300 });
    wechat.setFaults({ failNext: 1, failMode: 'timeout' });
    const outcome = await quick.queryOrder(account, { orderNumber: newOrderNumber() });
    expect(outcome).toMatchObject({ kind: 'unknown' });
    expect(outcome.kind === 'unknown' && outcome.detail).toContain('300 ms');
  });

  it('turns a late answer into unknown, though WeChat did the work (a query then finds it)', async () => {
    const quick = createWechatPayConnector({ exchange: simulatorExchange, timeoutMs: 300 });
    wechat.setFaults({ failNext: 1, failMode: 'respond_late', lateMs: 1_000 });
    const request = orderRequest();
    expect((await quick.createOrder(account, request)).kind).toBe('unknown');
    expect(await connector.queryOrder(account, { orderNumber: request.orderNumber })).toEqual({ kind: 'pending' });
  });

  it('does not believe answers signed for another platform serial or key, or outside the 5-minute window', async () => {
    const { orderNumber } = await createPaidOrder();
    // Public key mode (a PUB_KEY_ID_ id): only that key, nothing downloaded; WeChat signed with another serial.
    const wrongSerial = { ...account, id: 'acct_wechat_public_key_mode', credentials: { ...account.credentials, platform_serial: 'PUB_KEY_ID_0114232134912410000000000000' } };
    expect((await connector.queryOrder(wrongSerial, { orderNumber })).kind).toBe('unknown');
    // Certificate mode with a configured key for the platform's serial: that key is the one believed, whatever a download says.
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const wrongKey = { ...account, id: 'acct_wechat_wrong_key', credentials: { ...account.credentials, platform_public_key: otherKey } };
    expect((await connector.queryOrder(wrongKey, { orderNumber })).kind).toBe('unknown');
    // Not even a "not found" is believed unverified.
    expect((await connector.queryOrder(wrongKey, { orderNumber: newOrderNumber() })).kind).toBe('unknown');
    // Our clock 10 minutes ahead: the simulator refuses the request (401), and its answer looks stale to us.
    const ahead = createWechatPayConnector({ exchange: simulatorExchange, clock: { nowMs: () => Date.now() + 600_000 } });
    expect((await ahead.queryOrder(account, { orderNumber })).kind).toBe('unknown');
  });

  it('is refused with 401 SIGN_ERROR when signing with a key WeChat does not know: retriable, nothing done', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const badKey = { ...account, credentials: { ...account.credentials, private_key: otherKey } };
    const outcome = await connector.createOrder(badKey, orderRequest());
    expect(outcome).toMatchObject({ kind: 'retriable', code: 'connector_unavailable' });
    expect(wechat.stats()).toMatchObject({ ordersCreated: 0, signatureFailures: 1 });
  });
});

describe('the trade bill', () => {
  it('lists the day\'s payments and refunds, read from the backticked CSV', async () => {
    const one = await createPaidOrder(1500n);
    const two = await createPaidOrder(2n);
    const refunded = await connector.refund(account, { orderNumber: one.orderNumber, refundNumber: 'RB1', amount: 500n, totalAmount: 1500n, currency: 'CNY', reason: null });
    await waitFor(() => received.length === 3);
    const statement = await connector.downloadStatement(account, { date: beijingDate(Date.now()) });
    expect(statement.kind).toBe('statement');
    if (statement.kind !== 'statement') throw new Error('no statement');
    const byKey = (kind: string, orderNumber: string) => statement.lines.find((line) => line.kind === kind && line.orderNumber === orderNumber);
    expect(statement.lines).toHaveLength(3);
    expect(byKey('payment', one.orderNumber)).toMatchObject({ reference: one.reference, amount: 1500n, refundNumber: null });
    expect(byKey('payment', two.orderNumber)).toMatchObject({ reference: two.reference, amount: 2n });
    expect(byKey('refund', one.orderNumber)).toMatchObject({
      refundNumber: 'RB1',
      amount: 500n,
      reference: refunded.kind === 'pending' ? refunded.reference : '',
    });
    for (const line of statement.lines) expect(Math.abs(line.occurredAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('answers not_ready for a day without a bill', async () => {
    expect(await connector.downloadStatement(account, { date: '2020-01-01' })).toEqual({ kind: 'not_ready' });
  });
});
