/**
 * The Alipay connector against the simulated Alipay, over real sockets: QR and
 * redirect orders, the payer paying, declining or leaving, close, refunds and
 * their query, notifications (verified, forged, duplicated, resent, reordered,
 * dropped), statements, and what injected gateway faults must (and must not)
 * turn into.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpExchange } from '../http-exchange.ts';
import { ManualClock } from '../../domain/clock.ts';
import { startAlipaySimulator } from '../../simulators/alipay/server.ts';
import type { AlipaySimulator } from '../../simulators/alipay/server.ts';
import type { ConnectorAccount, CreateOrderRequest, NotificationVerdict, ProviderAnswer } from '../connector.ts';
import { createAlipayConnector } from './alipay-connector.ts';
import { notificationSigningString, verifyRsa2 } from './signature.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 15, 2, 0, 0)); // 10:00 in Beijing
/** The simulator listens on 127.0.0.1: test-mode accounts, with the operator's flag that allows private addresses in test mode. */
const simulatorExchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
const connector = createAlipayConnector({ exchange: simulatorExchange, timeoutMs: 2_000, clock });
/** For the faults that make the gateway slow or silent. */
const impatientConnector = createAlipayConnector({ exchange: simulatorExchange, timeoutMs: 300, clock });

let alipay: AlipaySimulator;
let account: ConnectorAccount;

/** The merchant's notify_url: verifies each notification with the connector and answers as told. */
interface Received {
  raw: Buffer;
  verdict: NotificationVerdict;
}
let received: Received[] = [];
let answerWith: (verdict: NotificationVerdict, index: number) => ProviderAnswer = (verdict) => verdict.ack;
let notifyServer: Server;
let notifyUrl: string;

beforeAll(async () => {
  alipay = await startAlipaySimulator({ clock, notifyDelayScale: 0.0001 });
  const credentials = alipay.registerMerchant();
  account = { id: 'acct_alipay_test', connector: 'alipay', mode: 'test', baseUrl: alipay.url, credentials: { ...credentials } };
  notifyServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const verdict = connector.verifyNotification(account, { headers: {}, rawBody: raw, nowMs: clock.nowMs() });
      received.push({ raw, verdict });
      const answer = answerWith(verdict, received.length - 1);
      response.writeHead(answer.status, { 'Content-Type': answer.contentType }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => notifyServer.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(notifyServer.address() as AddressInfo).port}/notify/alipay`;
});

afterAll(async () => {
  await alipay.close();
  await new Promise<void>((resolve) => notifyServer.close(() => resolve()));
});

beforeEach(() => {
  alipay.reset();
  received = [];
  answerWith = (verdict) => verdict.ack;
});

const newOrderNumber = (): string => `PP${randomBytes(8).toString('hex').toUpperCase()}`;

function orderRequest(overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest {
  return {
    orderNumber: newOrderNumber(),
    amount: 10_000n,
    currency: 'CNY',
    subject: '龙井茶 Longjing tea',
    device: 'desktop',
    returnUrl: 'https://shop.example/return',
    notifyUrl,
    expiresAt: new Date(clock.nowMs() + 30 * 60_000),
    payerIp: '203.0.113.9',
    ...overrides,
  };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function receivedFor(orderNumber: string): Received[] {
  return received.filter(({ raw }) => new URLSearchParams(raw.toString()).get('out_trade_no') === orderNumber);
}

/** Creates a QR order and has the payer scan it (which opens the trade). */
async function scannedOrder(overrides: Partial<CreateOrderRequest> = {}): Promise<CreateOrderRequest> {
  const request = orderRequest(overrides);
  const outcome = await connector.createOrder(account, request);
  if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'display_qr_code') throw new Error(`no QR code: ${outcome.kind}`);
  const page = await fetch(outcome.nextAction.display_qr_code.data);
  expect(page.status).toBe(200);
  return request;
}

async function paidOrder(overrides: Partial<CreateOrderRequest> = {}): Promise<CreateOrderRequest> {
  const request = await scannedOrder(overrides);
  alipay.payer(request.orderNumber).pay();
  await waitFor(() => receivedFor(request.orderNumber).length > 0, 'the payment notification');
  return request;
}

describe('QR code orders (desktop, precreate)', () => {
  it('shows a QR code, and after the payer pays, a verified notification and the query both say paid', async () => {
    const request = orderRequest();
    const outcome = await connector.createOrder(account, request);
    expect(outcome).toEqual({
      kind: 'requires_action',
      reference: null,
      nextAction: { type: 'display_qr_code', display_qr_code: { data: `${alipay.url}/pay/${request.orderNumber}`, expires_at: request.expiresAt.toISOString() } },
    });
    // Not scanned yet: Alipay does not know the trade.
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });

    const page = await fetch(`${alipay.url}/pay/${request.orderNumber}`);
    const html = await page.text();
    expect(html).toContain('100.00');
    expect(html).toContain('龙井茶 Longjing tea');
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });

    // The page's own "pay" button.
    const paid = await fetch(`${alipay.url}/pay/${request.orderNumber}/pay`, { method: 'POST' });
    expect(paid.status).toBe(200);
    await waitFor(() => receivedFor(request.orderNumber).length === 1, 'the notification');
    const [notification] = receivedFor(request.orderNumber);
    const verdict = notification!.verdict;
    expect(verdict.kind).toBe('verified');
    if (verdict.kind !== 'verified') return;
    expect(verdict.orderNumber).toBe(request.orderNumber);
    expect(verdict.amount).toBe(10_000n);
    expect(verdict.merchantIdentity).toEqual({ app_id: account.credentials.app_id, seller_id: account.credentials.seller_id });
    expect(verdict.ack).toEqual({ status: 200, contentType: 'text/plain', body: 'success' });
    expect(verdict.state).toMatchObject({ kind: 'paid', amountPaid: 10_000n, paidAt: new Date(clock.nowMs()) });

    const state = await connector.queryOrder(account, request);
    expect(state).toMatchObject({ kind: 'paid', amountPaid: 10_000n });
    expect(state.kind === 'paid' && verdict.state.kind === 'paid' && state.reference === verdict.state.reference).toBe(true);

    // Acknowledged with `success`: never sent again.
    await settle(150);
    expect(receivedFor(request.orderNumber)).toHaveLength(1);
    expect(alipay.stats().notificationsAcknowledged).toBe(1);
  });

  it('answers the same QR code for the same order number, and refuses the same number with another amount', async () => {
    const request = orderRequest();
    const first = await connector.createOrder(account, request);
    expect(await connector.createOrder(account, request)).toEqual(first);
    expect(await connector.createOrder(account, { ...request, amount: 1n })).toMatchObject({ kind: 'unknown' });
  });

  it('refuses a currency Alipay does not settle without calling it', async () => {
    const outcome = await connector.createOrder(account, orderRequest({ currency: 'USD' }));
    expect(outcome.kind).toBe('retriable');
    expect(alipay.stats().requests).toBe(0);
  });
});

describe('redirect orders (mobile, wap.pay)', () => {
  it('builds a signed wap.pay URL (QUICK_WAP_WAY) without calling Alipay; opening it opens the trade', async () => {
    const request = orderRequest({ device: 'mobile' });
    const outcome = await connector.createOrder(account, request);
    expect(alipay.stats().requests).toBe(0);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    const url = new URL(outcome.nextAction.redirect_to_url.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${alipay.url}/gateway.do`);
    expect(url.searchParams.get('method')).toBe('alipay.trade.wap.pay');
    expect(url.searchParams.get('notify_url')).toBe(notifyUrl);
    expect(url.searchParams.get('return_url')).toBe('https://shop.example/return');
    expect(JSON.parse(url.searchParams.get('biz_content')!)).toMatchObject({
      out_trade_no: request.orderNumber,
      total_amount: '100.00',
      product_code: 'QUICK_WAP_WAY',
      quit_url: 'https://shop.example/return',
    });
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });

    // A payer who edits the amount in the URL breaks the signature.
    const tampered = new URL(url);
    tampered.searchParams.set('biz_content', url.searchParams.get('biz_content')!.replace('100.00', '0.01'));
    expect((await fetch(tampered)).status).toBe(400);
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });

    const page = await fetch(url);
    expect(page.url).toBe(`${alipay.url}/pay/${request.orderNumber}`);
    expect(await page.text()).toContain('100.00');
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });
    alipay.payer(request.orderNumber).pay();
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid', amountPaid: 10_000n });
  });

  it('after paying in the cashier the payer is sent back to return_url, with return parameters signed by Alipay', async () => {
    const request = orderRequest({ device: 'mobile', returnUrl: 'https://shop.example/checkout/cs_1?lang=zh-CN' });
    const outcome = await connector.createOrder(account, request);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    const cashier = await fetch(outcome.nextAction.redirect_to_url.url);
    expect(await cashier.text()).toContain('返回商家');
    const paid = await fetch(`${alipay.url}/pay/${request.orderNumber}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    const back = new URL(paid.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe('https://shop.example/checkout/cs_1');
    expect(back.searchParams.get('lang')).toBe('zh-CN');
    expect(back.searchParams.get('method')).toBe('alipay.trade.wap.pay.return');
    expect(back.searchParams.get('out_trade_no')).toBe(request.orderNumber);
    expect(back.searchParams.get('total_amount')).toBe('100.00');
    // Signed as a notification is (sign and sign_type left out), over the parameters Alipay adds: not the merchant's own lang.
    const fields = Object.fromEntries([...back.searchParams].filter(([key]) => !['sign', 'sign_type', 'lang'].includes(key)));
    expect(verifyRsa2(notificationSigningString(fields), back.searchParams.get('sign')!, account.credentials.alipay_public_key!)).toBe(true);
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid', amountPaid: 10_000n });
  });

  it('a payer who leaves the mobile cashier goes back to quit_url, and the order stays unpaid', async () => {
    const request = orderRequest({ device: 'mobile' });
    const outcome = await connector.createOrder(account, request);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    await fetch(outcome.nextAction.redirect_to_url.url);
    const left = await fetch(`${alipay.url}/pay/${request.orderNumber}/leave`, { method: 'POST', redirect: 'manual' });
    expect(left.status).toBe(303);
    expect(left.headers.get('location')).toBe('https://shop.example/return');
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });
  });
});

describe('app orders (APP支付, app.pay): the merchant’s app hands the order string to Alipay’s SDK', () => {
  async function appOrder(overrides: Partial<CreateOrderRequest> = {}): Promise<{ request: CreateOrderRequest; orderString: string }> {
    const request = orderRequest({ device: 'mobile', alipayClient: { kind: 'app' }, ...overrides });
    const outcome = await connector.createOrder(account, request);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'alipay_app') throw new Error('no order string');
    return { request, orderString: outcome.nextAction.alipay_app.order_string };
  }

  it('signs the order without calling Alipay; the SDK opens the trade, the payer pays, and the notification and the query say paid', async () => {
    const { request, orderString } = await appOrder();
    expect(alipay.stats().requests).toBe(0);
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });

    const result = alipay.payInApp(orderString);
    expect(result.resultStatus).toBe('9000');
    // The SDK's synchronous result is signed by Alipay over the response member's text, as a gateway answer is.
    const synchronous = JSON.parse(result.result) as { alipay_trade_app_pay_response: Record<string, string>; sign: string; sign_type: string };
    expect(synchronous.alipay_trade_app_pay_response).toMatchObject({ code: '10000', out_trade_no: request.orderNumber, total_amount: '100.00', app_id: account.credentials.app_id });
    expect(synchronous.sign_type).toBe('RSA2');
    const member = result.result.slice(result.result.indexOf(':') + 1, result.result.indexOf(',"sign":'));
    expect(verifyRsa2(member, synchronous.sign, account.credentials.alipay_public_key!)).toBe(true);

    await waitFor(() => receivedFor(request.orderNumber).length > 0, 'the payment notification');
    expect(receivedFor(request.orderNumber)[0]!.verdict).toMatchObject({ kind: 'verified', state: { kind: 'paid', amountPaid: 10_000n }, amount: 10_000n });
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid', amountPaid: 10_000n });
    // The same order string again pays nothing more.
    expect(alipay.payInApp(orderString)).toMatchObject({ resultStatus: '4000', memo: expect.stringContaining('ACQ.TRADE_HAS_SUCCESS') });
  });

  it('a payer who cancels in Alipay leaves the trade open (6001); one whose payment fails closes it (4000)', async () => {
    const left = await appOrder();
    expect(alipay.payInApp(left.orderString, 'leave')).toMatchObject({ resultStatus: '6001', result: '' });
    expect(await connector.queryOrder(account, left.request)).toEqual({ kind: 'pending' });
    const failed = await appOrder();
    expect(alipay.payInApp(failed.orderString, 'decline')).toMatchObject({ resultStatus: '4000' });
    expect(await connector.queryOrder(account, failed.request)).toEqual({ kind: 'closed' });
  });

  it('an order string whose amount was edited, or signed with another key, is refused and makes no trade', async () => {
    const { request, orderString } = await appOrder();
    const tampered = orderString.replace(encodeURIComponent('"100.00"'), encodeURIComponent('"0.01"'));
    expect(tampered).not.toBe(orderString);
    expect(alipay.payInApp(tampered)).toMatchObject({ resultStatus: '4000', memo: expect.stringContaining('isv.invalid-signature') });
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'not_found' });
  });

  it('a full refund of an app trade is notified (TRADE_CLOSED), as for wap.pay', async () => {
    const { request, orderString } = await appOrder();
    alipay.payInApp(orderString);
    await waitFor(() => receivedFor(request.orderNumber).length === 1, 'the payment notification');
    expect(await connector.refund(account, { orderNumber: request.orderNumber, refundNumber: 'RA1', amount: 10_000n, totalAmount: 10_000n, currency: 'CNY', reason: null })).toEqual({ kind: 'succeeded', reference: 'RA1' });
    await waitFor(() => receivedFor(request.orderNumber).length === 2, 'the refund notification');
    expect(receivedFor(request.orderNumber)[1]!.verdict).toMatchObject({ refundNumber: 'RA1', refundedTotal: 10_000n, state: { kind: 'succeeded' } });
  });
});

describe('mini-program orders (小程序支付, trade.create with JSAPI_PAY): the mini program pays the trade_no with my.tradePay', () => {
  const buyerId = '2088000000000777';
  const miniProgramAppId = '2021000000000888';
  async function miniProgramOrder(overrides: Partial<CreateOrderRequest> = {}): Promise<{ request: CreateOrderRequest; tradeNo: string }> {
    const request = orderRequest({ device: 'mobile', alipayClient: { kind: 'mini_program', buyerId, buyerOpenId: null, opAppId: miniProgramAppId }, ...overrides });
    const outcome = await connector.createOrder(account, request);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'alipay_mini_program') throw new Error(`no trade_no: ${JSON.stringify(outcome)}`);
    return { request, tradeNo: outcome.nextAction.alipay_mini_program.trade_no };
  }

  it('creates the trade at once (a query finds it waiting), and only its buyer, in its mini program, can pay it', async () => {
    const { request, tradeNo } = await miniProgramOrder();
    expect(tradeNo).toMatch(/^\d{28}$/);
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });
    // The same order again (a retry) finds the same trade.
    expect(await connector.createOrder(account, request)).toMatchObject({ nextAction: { alipay_mini_program: { trade_no: tradeNo } } });

    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId, buyer: { buyerId: '2088000000000999', buyerOpenId: null } })).toMatchObject({ resultCode: '4000' });
    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId: '2021000000000999', buyer: { buyerId, buyerOpenId: null } })).toMatchObject({ resultCode: '4000' });
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });

    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId, buyer: { buyerId, buyerOpenId: null } })).toEqual({ resultCode: '9000', memo: '' });
    await waitFor(() => receivedFor(request.orderNumber).length > 0, 'the payment notification');
    expect(receivedFor(request.orderNumber)[0]!.verdict).toMatchObject({ kind: 'verified', state: { kind: 'paid', reference: tradeNo, amountPaid: 10_000n } });
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid', reference: tradeNo });
  });

  it('a trade nobody paid closes, and then cannot be paid; the same order number for another buyer is refused', async () => {
    const { request, tradeNo } = await miniProgramOrder();
    expect(await connector.closeOrder(account, request)).toEqual({ kind: 'closed' });
    expect(alipay.payInMiniProgram({ tradeNo, miniProgramAppId, buyer: { buyerId, buyerOpenId: null } })).toMatchObject({ resultCode: '4000', memo: '交易已经关闭' });
    const again = await connector.createOrder(account, { ...request, alipayClient: { kind: 'mini_program', buyerId: null, buyerOpenId: 'someone-else', opAppId: miniProgramAppId } });
    expect(again).toMatchObject({ kind: 'unknown' });
  });

  it('over HTTP, as a demo mini program would call it', async () => {
    const { request, tradeNo } = await miniProgramOrder({ alipayClient: { kind: 'mini_program', buyerId: null, buyerOpenId: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5', opAppId: null } });
    const answer = await fetch(`${alipay.url}/client/trade_pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      // Without op_app_id the mini program is the account's own app.
      body: JSON.stringify({ trade_no: tradeNo, mini_program_app_id: account.credentials.app_id, buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5' }),
    });
    expect(await answer.json()).toEqual({ resultCode: '9000', memo: '' });
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid' });
  });
});

describe('payer outcomes and close', () => {
  it('a declining payer closes the trade: query and notification say closed, never paid', async () => {
    const request = await scannedOrder();
    alipay.payer(request.orderNumber).decline();
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'closed' });
    await waitFor(() => receivedFor(request.orderNumber).length === 1, 'the close notification');
    expect(receivedFor(request.orderNumber)[0]!.verdict).toMatchObject({ kind: 'verified', state: { kind: 'closed' } });
  });

  it('a payer who leaves keeps the order pending; closing it closes it, and it can no longer be paid', async () => {
    const request = await scannedOrder();
    alipay.payer(request.orderNumber).leave();
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'pending' });
    expect(await connector.closeOrder(account, request)).toEqual({ kind: 'closed' });
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'closed' });
    alipay.payer(request.orderNumber).pay();
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'closed' });
    expect(await connector.closeOrder(account, request)).toEqual({ kind: 'closed' });
    await settle(50);
    expect(receivedFor(request.orderNumber)).toHaveLength(0);
  });

  it('closing a paid order answers already_paid, and the order stays paid', async () => {
    const request = await paidOrder();
    expect(await connector.closeOrder(account, request)).toEqual({ kind: 'already_paid' });
    expect(await connector.queryOrder(account, request)).toMatchObject({ kind: 'paid' });
  });

  it('does not call an order Alipay never saw closed: the payer may still open it', async () => {
    const outcome = await connector.closeOrder(account, { orderNumber: newOrderNumber() });
    expect(outcome.kind).toBe('unknown');
  });

  it('an order expires at time_expire', async () => {
    const request = await scannedOrder({ expiresAt: new Date(clock.nowMs() + 60_000) });
    clock.advanceMs(61_000);
    expect(await connector.queryOrder(account, request)).toEqual({ kind: 'closed' });
  });
});

describe('refunds', () => {
  it('refunds partly then fully, refuses going beyond the paid amount, and a repeated refund number moves nothing', async () => {
    const order = await paidOrder();
    const base = { orderNumber: order.orderNumber, totalAmount: 10_000n, currency: 'CNY' as const, reason: '退货 return' };
    expect(await connector.refund(account, { ...base, refundNumber: 'R1', amount: 3_000n })).toEqual({ kind: 'succeeded', reference: 'R1' });
    expect(await connector.refund(account, { ...base, refundNumber: 'R2', amount: 8_000n })).toEqual({
      kind: 'failed',
      reason: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
    });
    // A retry of R1 (same number, same amount) is answered without moving money again.
    expect(await connector.refund(account, { ...base, refundNumber: 'R1', amount: 3_000n })).toEqual({ kind: 'pending', reference: 'R1' });
    expect(await connector.refund(account, { ...base, refundNumber: 'R3', amount: 7_000n })).toEqual({ kind: 'succeeded', reference: 'R3' });
    expect(await connector.refund(account, { ...base, refundNumber: 'R4', amount: 1n })).toMatchObject({ kind: 'failed' });
    // Fully refunded: Alipay says TRADE_CLOSED, but the order was paid and must not look unpaid.
    expect(await connector.queryOrder(account, order)).toMatchObject({ kind: 'paid', amountPaid: 10_000n });
  });

  it('refuses to refund an order that was not paid', async () => {
    const order = await scannedOrder();
    const outcome = await connector.refund(account, { orderNumber: order.orderNumber, refundNumber: 'R1', amount: 100n, totalAmount: 10_000n, currency: 'CNY', reason: null });
    expect(outcome).toEqual({ kind: 'failed', reason: 'ACQ.TRADE_STATUS_ERROR' });
  });

  it('a partial refund is told by the trade notification (out_biz_no, refund_fee, gmt_refund), read as that refund succeeded', async () => {
    const order = await paidOrder();
    const base = { orderNumber: order.orderNumber, totalAmount: 10_000n, currency: 'CNY' as const, reason: null };
    await connector.refund(account, { ...base, refundNumber: 'RN1', amount: 1_200n });
    await connector.refund(account, { ...base, refundNumber: 'RN2', amount: 300n });
    await waitFor(() => receivedFor(order.orderNumber).length === 3, 'two refund notifications after the payment’s');
    const [first, second] = receivedFor(order.orderNumber).slice(1);
    const form = new URLSearchParams(second!.raw.toString());
    expect(form.get('notify_type')).toBe('trade_status_sync');
    expect(form.get('trade_status')).toBe('TRADE_SUCCESS');
    expect(form.get('gmt_refund')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(first!.verdict).toMatchObject({ kind: 'verified', refundNumber: 'RN1', amount: null, orderAmount: 10_000n, refundedTotal: 1_200n, state: { kind: 'succeeded', reference: 'RN1' } });
    // refund_fee is all refunded on the trade so far, not this refund alone.
    expect(second!.verdict).toMatchObject({ kind: 'verified', refundNumber: 'RN2', refundedTotal: 1_500n, state: { kind: 'succeeded', reference: 'RN2' } });
  });

  it('a full refund of a QR code trade (TRADE_CLOSED) is not notified, as Alipay notifies only TRADE_SUCCESS for 当面付; on wap.pay it is', async () => {
    const qr = await paidOrder();
    await connector.refund(account, { orderNumber: qr.orderNumber, refundNumber: 'RF1', amount: 10_000n, totalAmount: 10_000n, currency: 'CNY', reason: null });

    const wap = orderRequest({ device: 'mobile' });
    const outcome = await connector.createOrder(account, wap);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    await fetch(outcome.nextAction.redirect_to_url.url);
    alipay.payer(wap.orderNumber).pay();
    await waitFor(() => receivedFor(wap.orderNumber).length === 1, 'the payment notification');
    await connector.refund(account, { orderNumber: wap.orderNumber, refundNumber: 'RF2', amount: 10_000n, totalAmount: 10_000n, currency: 'CNY', reason: null });
    await waitFor(() => receivedFor(wap.orderNumber).length === 2, 'the full refund’s notification');
    const form = new URLSearchParams(receivedFor(wap.orderNumber)[1]!.raw.toString());
    expect(form.get('trade_status')).toBe('TRADE_CLOSED');
    expect(form.get('gmt_close')).not.toBeNull();
    expect(receivedFor(wap.orderNumber)[1]!.verdict).toMatchObject({ refundNumber: 'RF2', refundedTotal: 10_000n, state: { kind: 'succeeded' } });
    expect(receivedFor(qr.orderNumber)).toHaveLength(1);
  });

  it('a refund query finds a refund that was made, and not one that was not', async () => {
    const order = await paidOrder();
    await connector.refund(account, { orderNumber: order.orderNumber, refundNumber: 'R1', amount: 500n, totalAmount: 10_000n, currency: 'CNY', reason: null });
    expect(await connector.queryRefund(account, { orderNumber: order.orderNumber, refundNumber: 'R1' })).toEqual({ kind: 'succeeded', reference: 'R1' });
    expect(await connector.queryRefund(account, { orderNumber: order.orderNumber, refundNumber: 'R9' })).toEqual({ kind: 'not_found' });
    expect(await connector.queryRefund(account, { orderNumber: newOrderNumber(), refundNumber: 'R1' })).toEqual({ kind: 'not_found' });
  });
});

describe('notifications', () => {
  it('a forged notification is rejected and answered so that it is not taken; the genuine one is verified', async () => {
    alipay.setFaults({ forgeNotifications: 1 });
    const order = await scannedOrder();
    alipay.payer(order.orderNumber).pay();
    await waitFor(() => receivedFor(order.orderNumber).length === 2, 'the forged and the genuine notification');
    const verdicts = receivedFor(order.orderNumber).map(({ verdict }) => verdict);
    const rejected = verdicts.filter((verdict) => verdict.kind === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ orderNumber: order.orderNumber, ack: { status: 400, body: 'fail' } });
    expect(verdicts.filter((verdict) => verdict.kind === 'verified')).toHaveLength(1);
    expect(alipay.stats().forgedNotificationsSent).toBe(1);
  });

  it('duplicated notifications carry the same notify_id', async () => {
    alipay.setFaults({ duplicateNotifications: 1 });
    const order = await paidOrder();
    await waitFor(() => receivedFor(order.orderNumber).length === 2, 'the duplicate');
    const ids = receivedFor(order.orderNumber).map(({ verdict }) => (verdict.kind === 'verified' ? verdict.notificationId : null));
    expect(ids[0]).not.toBeNull();
    expect(ids[1]).toBe(ids[0]);
  });

  it('a notification not answered exactly `success` is resent, with the same notify_id, until it is', async () => {
    // "success\n" and "SUCCESS" are not `success`.
    answerWith = (verdict, index) =>
      index === 0 ? { ...verdict.ack, body: 'success\n' } : index === 1 ? { ...verdict.ack, body: 'SUCCESS' } : verdict.ack;
    const order = await paidOrder();
    await waitFor(() => receivedFor(order.orderNumber).length === 3, 'two resends');
    await settle(200);
    const all = receivedFor(order.orderNumber);
    expect(all).toHaveLength(3);
    const ids = new Set(all.map(({ raw }) => new URLSearchParams(raw.toString()).get('notify_id')));
    expect(ids.size).toBe(1);
    expect(alipay.stats().notificationsAcknowledged).toBe(1);
  });

  it('a lost notification is sent again', async () => {
    alipay.setFaults({ dropNotifications: 1 });
    const order = await paidOrder();
    expect(receivedFor(order.orderNumber)).toHaveLength(1);
    expect(alipay.stats().notificationsDropped).toBe(1);
  });

  it('a held-back notification arrives after a later one', async () => {
    alipay.setFaults({ reorder: 1, reorderDelayMs: 300 });
    const first = await scannedOrder();
    const second = await scannedOrder();
    alipay.payer(first.orderNumber).pay();
    alipay.payer(second.orderNumber).pay();
    await waitFor(() => receivedFor(first.orderNumber).length === 1 && receivedFor(second.orderNumber).length === 1, 'both notifications');
    const order = received.map(({ raw }) => new URLSearchParams(raw.toString()).get('out_trade_no'));
    expect(order.indexOf(second.orderNumber)).toBeLessThan(order.indexOf(first.orderNumber));
  });
});

describe('gateway faults and bad answers', () => {
  it('a 500 is unknown, never a decline, a not-found or a failed refund', async () => {
    const order = await paidOrder();
    alipay.setFaults({ failNext: 3, failMode: 'error_500' });
    expect((await connector.queryOrder(account, order)).kind).toBe('unknown');
    expect((await connector.refund(account, { orderNumber: order.orderNumber, refundNumber: 'R1', amount: 100n, totalAmount: 10_000n, currency: 'CNY', reason: null })).kind).toBe('unknown');
    expect((await connector.createOrder(account, orderRequest())).kind).toBe('unknown');
  });

  it('20000 (service unavailable) is unknown for a query and a refund, and retriable for a QR code nobody has seen', async () => {
    const order = await paidOrder();
    alipay.setFaults({ failNext: 3, failMode: 'error_20000' });
    expect(await connector.queryOrder(account, order)).toEqual({ kind: 'unknown', detail: 'alipay answered 20000 isp.unknow-error' });
    const refund = { orderNumber: order.orderNumber, refundNumber: 'R1', amount: 100n, totalAmount: 10_000n, currency: 'CNY' as const, reason: null };
    expect((await connector.refund(account, refund)).kind).toBe('unknown');
    expect(await connector.createOrder(account, orderRequest())).toMatchObject({ kind: 'retriable', code: 'connector_unavailable' });
    expect(await connector.queryRefund(account, refund)).toEqual({ kind: 'not_found' });
  });

  it('a timeout is unknown', async () => {
    const order = await paidOrder();
    alipay.setFaults({ failNext: 1, failMode: 'timeout' });
    expect(await impatientConnector.queryOrder(account, order)).toMatchObject({ kind: 'unknown', detail: 'no answer within 300 ms' });
  });

  it('a refund answered too late is unknown, and the refund query then finds it done', async () => {
    const order = await paidOrder();
    alipay.setFaults({ failNext: 1, failMode: 'respond_late', lateMs: 1_000 });
    const request = { orderNumber: order.orderNumber, refundNumber: 'RL1', amount: 100n, totalAmount: 10_000n, currency: 'CNY' as const, reason: null };
    expect((await impatientConnector.refund(account, request)).kind).toBe('unknown');
    expect(await connector.queryRefund(account, request)).toEqual({ kind: 'succeeded', reference: 'RL1' });
  });

  it('an answer signed with another key is unknown, even when it says paid', async () => {
    const order = await paidOrder();
    const wrongAlipayKey = { ...account, credentials: { ...account.credentials, alipay_public_key: await startAndTakeKey() } };
    expect((await connector.queryOrder(wrongAlipayKey, order)).kind).toBe('unknown');
  });

  it('a request signed with a key Alipay does not know is refused with isv.invalid-signature, and nothing is done', async () => {
    const order = await paidOrder();
    const other = alipay.registerMerchant();
    const wrongKey = { ...account, credentials: { ...account.credentials, private_key: other.private_key } };
    const outcome = await connector.refund(wrongKey, { orderNumber: order.orderNumber, refundNumber: 'R1', amount: 100n, totalAmount: 10_000n, currency: 'CNY', reason: null });
    expect(outcome).toMatchObject({ kind: 'retriable', detail: 'alipay answered 40002 isv.invalid-signature' });
    expect(alipay.stats().invalidSignatures).toBe(1);
    expect(await connector.queryRefund(account, { orderNumber: order.orderNumber, refundNumber: 'R1' })).toEqual({ kind: 'not_found' });
  });
});

/** Another simulator's Alipay public key: a key that did not sign our simulator's answers. */
async function startAndTakeKey(): Promise<string> {
  const another = await startAlipaySimulator({});
  try {
    return another.registerMerchant().alipay_public_key;
  } finally {
    await another.close();
  }
}

describe('statements', () => {
  it('lists a day’s payments and refunds, and is not ready before the day is over', async () => {
    const day = '2026-06-15';
    const first = await paidOrder({ amount: 8_880n });
    // A subject with a comma, quotes and a line break is quoted in the bill, and shifts no column.
    const second = await paidOrder({ amount: 1_000n, subject: '龙井茶,明前 "特级"\n礼盒' });
    clock.advanceMs(60_000);
    await connector.refund(account, { orderNumber: first.orderNumber, refundNumber: 'RS1', amount: 880n, totalAmount: 8_880n, currency: 'CNY', reason: null });
    await scannedOrder(); // never paid: not on the statement
    expect(await connector.downloadStatement(account, { date: day })).toEqual({ kind: 'not_ready' });

    clock.advanceMs(24 * 60 * 60_000);
    const statement = await connector.downloadStatement(account, { date: day });
    expect(statement.kind).toBe('statement');
    if (statement.kind !== 'statement') return;
    const lines = statement.lines.filter((line) => line.orderNumber === first.orderNumber || line.orderNumber === second.orderNumber);
    expect(lines.map(({ orderNumber, kind, refundNumber, amount }) => ({ orderNumber, kind, refundNumber, amount }))).toEqual([
      { orderNumber: first.orderNumber, kind: 'payment', refundNumber: null, amount: 8_880n },
      { orderNumber: second.orderNumber, kind: 'payment', refundNumber: null, amount: 1_000n },
      { orderNumber: first.orderNumber, kind: 'refund', refundNumber: 'RS1', amount: 880n },
    ]);
    const paid = await connector.queryOrder(account, first);
    expect(paid.kind === 'paid' && lines[0]!.reference === paid.reference).toBe(true);
    expect(statement.lines.every((line) => line.occurredAt.toISOString().startsWith('2026-06-15'))).toBe(true);
  });
});
