/**
 * The UnionPay connector against the simulated gateway over real sockets:
 * the front form and payer page, back notifications (verified, forged,
 * duplicated, resent, dropped, reordered), queries, close, refunds, the
 * statement, and what each injected fault must (and must not) turn into.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpExchange } from '../http-exchange.ts';
import { ManualClock } from '../../domain/clock.ts';
import type { ConnectorAccount, CreateOrderRequest, NotificationVerdict } from '../connector.ts';
import { startUnionpaySimulator } from '../../simulators/unionpay/server.ts';
import type { UnionpayMerchantCredentials, UnionpaySimulator } from '../../simulators/unionpay/server.ts';
import { buildFrontForm, createUnionpayConnector, renderAutoSubmitForm } from './unionpay-connector.ts';
import { signFields, verifyFields } from './signature.ts';
import { parseAnswer, parseForm } from './wire.ts';

/** 10:00 in Beijing on 2026-06-15. */
const startMs = Date.UTC(2026, 5, 15, 2, 0, 0);
const clock = new ManualClock(startMs);
/** The simulator listens on 127.0.0.1: test-mode accounts, with the operator's flag that allows private addresses in test mode. */
const simulatorExchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
const connector = createUnionpayConnector({ exchange: simulatorExchange, timeoutMs: 2_000, clock });
/** For the faults that make the gateway slow or silent. */
const impatientConnector = createUnionpayConnector({ exchange: simulatorExchange, timeoutMs: 200, clock });

let gateway: UnionpaySimulator;
let credentials: UnionpayMerchantCredentials;
let account: ConnectorAccount;

/** The merchant's notify endpoint: verifies each notification with the connector and answers its ack. */
interface Received {
  verdict: NotificationVerdict;
  status: number;
}
let receiver: Server;
let notifyUrl: string;
let received: Received[] = [];
/** How many of the next notifications the merchant answers 500 (as if its database were down). */
let failAnswers = 0;

beforeAll(async () => {
  gateway = await startUnionpaySimulator({ clock, notifyDelayScale: 0.0005 });
  credentials = gateway.registerMerchant();
  account = { id: 'ca_unionpay_test', connector: 'unionpay', mode: 'test', baseUrl: gateway.url, credentials: { ...credentials } };
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const verdict = connector.verifyNotification(account, { headers: {}, rawBody: Buffer.concat(chunks), nowMs: clock.nowMs() });
      let { status, contentType, body } = verdict.ack;
      if (failAnswers > 0 && verdict.kind === 'verified') {
        failAnswers -= 1;
        [status, contentType, body] = [500, 'text/plain', 'database down'];
      }
      received.push({ verdict, status });
      response.writeHead(status, { 'Content-Type': contentType }).end(body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify/unionpay`;
});

afterAll(async () => {
  await gateway.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  gateway.reset();
  clock.setMs(startMs);
  received = [];
  failAnswers = 0;
});

let orderSequence = 0;
function orderRequest(overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest {
  orderSequence += 1;
  return {
    orderNumber: `PP${Date.now()}${String(orderSequence).padStart(4, '0')}`,
    amount: 1234n,
    currency: 'CNY',
    subject: 'Tea set',
    device: 'desktop',
    returnUrl: 'https://shop.example/return',
    notifyUrl,
    expiresAt: new Date(startMs + 30 * 60_000),
    payerIp: null,
    ...overrides,
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Creates the order and opens the payer page the way a browser would; returns the order number and the redirect URL. */
async function openOrder(overrides: Partial<CreateOrderRequest> = {}): Promise<{ orderNumber: string; url: string; page: string }> {
  const request = orderRequest(overrides);
  const outcome = await connector.createOrder(account, request);
  if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error(`unexpected ${outcome.kind}`);
  const url = outcome.nextAction.redirect_to_url.url;
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return { orderNumber: request.orderNumber, url, page: await response.text() };
}

async function openAndPay(overrides: Partial<CreateOrderRequest> = {}): Promise<{ orderNumber: string; queryId: string }> {
  const { orderNumber } = await openOrder(overrides);
  const { queryId } = gateway.payer(orderNumber).pay();
  await waitFor(() => received.some((entry) => entry.verdict.kind === 'verified' && entry.verdict.orderNumber === orderNumber));
  return { orderNumber, queryId };
}

const verified = (): Extract<NotificationVerdict, { kind: 'verified' }>[] =>
  received.flatMap((entry) => (entry.verdict.kind === 'verified' ? [entry.verdict] : []));

describe('createOrder: the signed front form', () => {
  it('answers a redirect to frontTransReq.do with signed fields, and calls nothing', async () => {
    const request = orderRequest({ device: 'mobile' });
    const outcome = await connector.createOrder(account, request);
    expect(outcome).toMatchObject({ kind: 'requires_action', reference: null, nextAction: { type: 'redirect_to_url' } });
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    const url = new URL(outcome.nextAction.redirect_to_url.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${gateway.url}/gateway/api/frontTransReq.do`);
    const fields = parseForm(url.search.slice(1));
    expect(fields).toMatchObject({
      version: '5.1.0', encoding: 'UTF-8', signMethod: '01', txnType: '01', txnSubType: '01', bizType: '000201',
      channelType: '08', accessType: '0', merId: credentials.mer_id, certId: credentials.cert_id, orderId: request.orderNumber,
      txnTime: '20260615100000', txnAmt: '1234', currencyCode: '156', frontUrl: 'https://shop.example/return', backUrl: notifyUrl,
      payTimeout: '20260615103000',
    });
    expect(gateway.stats().requests).toBe(0);
  });

  it('uses channelType 07 on a desktop and the notify URL as frontUrl when there is no return URL', () => {
    const form = buildFrontForm(account, orderRequest({ returnUrl: null }), clock.nowMs());
    expect(form.fields).toMatchObject({ channelType: '07', frontUrl: notifyUrl });
    const html = renderAutoSubmitForm(form);
    expect(html).toContain(`action="${gateway.url}/gateway/api/frontTransReq.do"`);
    expect(html).toContain('method="post"');
    expect(html).toContain('document.forms[0].submit()');
  });

  it('shows the payer page with the amount and the order, by GET and by the POSTed form', async () => {
    const { orderNumber, page } = await openOrder();
    expect(page).toContain('¥12.34');
    expect(page).toContain(orderNumber);
    for (const action of ['pay', 'decline', 'leave']) expect(page).toContain(`/gateway/payer/${action}`);
    const form = buildFrontForm(account, orderRequest(), clock.nowMs());
    const posted = await fetch(form.action, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields) });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain(form.fields.orderId);
    expect(gateway.stats().orders_opened).toBe(2);
  });

  it('refuses a form whose amount was changed after signing, and opens no order', async () => {
    const outcome = await connector.createOrder(account, orderRequest());
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    const response = await fetch(outcome.nextAction.redirect_to_url.url.replace('txnAmt=1234', 'txnAmt=1'));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('signature');
    expect(gateway.stats().orders_opened).toBe(0);
  });
});

describe('payment, notification and query', () => {
  it('pays: the back notification verifies as paid, is acknowledged once, and the query agrees', async () => {
    const { orderNumber, queryId } = await openAndPay();
    await gateway.notificationsIdle();
    expect(verified()).toEqual([
      {
        kind: 'verified',
        notificationId: `${queryId}_01`,
        orderNumber,
        refundNumber: null,
        state: { kind: 'paid', reference: queryId, amountPaid: 1234n, paidAt: null },
        amount: 1234n,
        merchantIdentity: { merId: credentials.mer_id },
        ack: { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' },
      },
    ]);
    expect(gateway.stats()).toMatchObject({ payments: 1, notification_attempts: 1, notifications_acknowledged: 1 });
    expect(await connector.queryOrder(account, { orderNumber })).toEqual({ kind: 'paid', reference: queryId, amountPaid: 1234n, paidAt: null });
    expect(await connector.closeOrder(account, { orderNumber })).toEqual({ kind: 'already_paid' });
  });

  it('pays through the payer page button as well', async () => {
    const { orderNumber } = await openOrder();
    const response = await fetch(`${gateway.url}/gateway/payer/pay`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ merId: credentials.mer_id, orderId: orderNumber }),
    });
    expect(response.status).toBe(200);
    expect(await connector.queryOrder(account, { orderNumber })).toMatchObject({ kind: 'paid', amountPaid: 1234n });
    await waitFor(() => verified().length === 1);
  });

  it('a declined payment queries as failed, closes, and sends no notification', async () => {
    const { orderNumber } = await openOrder();
    gateway.payer(orderNumber).decline();
    const state = await connector.queryOrder(account, { orderNumber });
    expect(state.kind).toBe('failed');
    expect(await connector.closeOrder(account, { orderNumber })).toEqual({ kind: 'closed' });
    await gateway.notificationsIdle();
    expect(received).toEqual([]);
    expect(() => gateway.payer(orderNumber).pay()).toThrow();
  });

  it('a payer who leaves: pending and not closable until payTimeout, then gone and closed, never payable again', async () => {
    const { orderNumber, url } = await openOrder();
    gateway.payer(orderNumber).leave();
    expect(await connector.queryOrder(account, { orderNumber })).toEqual({ kind: 'pending' });
    expect(await connector.closeOrder(account, { orderNumber })).toMatchObject({ kind: 'unknown' });
    clock.advanceMs(30 * 60_000);
    expect(await connector.queryOrder(account, { orderNumber })).toEqual({ kind: 'not_found' });
    expect(await connector.closeOrder(account, { orderNumber })).toEqual({ kind: 'closed' });
    expect(() => gateway.payer(orderNumber).pay()).toThrow(/payTimeout/);
    expect((await fetch(url)).status).toBe(400);
    expect(gateway.stats().payments).toBe(0);
  });

  it('answers not_found for an order the gateway never saw', async () => {
    expect(await connector.queryOrder(account, { orderNumber: 'NEVERSEEN0001' })).toEqual({ kind: 'not_found' });
    expect(await connector.queryRefund(account, { orderNumber: 'NEVERSEEN0001', refundNumber: 'NEVERSEEN0002' })).toEqual({ kind: 'not_found' });
  });

  it('treats an answer signed by a key that is not the configured one as unknown, even for a paid order', async () => {
    const { orderNumber } = await openAndPay();
    const misconfigured = { ...account, credentials: { ...credentials, unionpay_public_key: otherPublicKey() } };
    const state = await connector.queryOrder(misconfigured, { orderNumber });
    expect(state).toMatchObject({ kind: 'unknown', detail: expect.stringContaining('signature') });
  });
});

/** A public key UnionPay does not sign with. */
function otherPublicKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

describe('notifications under faults', () => {
  it('rejects a forged notification (changed amount, foreign key) and never reports its amount', async () => {
    gateway.setFaults({ forgeNotifications: 1 });
    const { orderNumber } = await openAndPay();
    await waitFor(() => received.some((entry) => entry.verdict.kind === 'rejected'));
    const rejected = received.filter((entry) => entry.verdict.kind === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.status).toBe(400);
    expect(rejected[0]?.verdict).toMatchObject({ kind: 'rejected', reason: 'signature does not verify', orderNumber, ack: { status: 400, body: 'fail' } });
    expect(verified().map((verdict) => verdict.amount)).toEqual([1234n]);
    expect(gateway.stats().notifications_forged).toBe(1);
  });

  it('rejects a notification that is not a form, or whose fields repeat, without an order number', () => {
    for (const body of ['{"orderId":"X"}', 'orderId=ORDER0001&orderId=ORDER0002']) {
      const verdict = connector.verifyNotification(account, { headers: {}, rawBody: Buffer.from(body), nowMs: clock.nowMs() });
      expect(verdict).toMatchObject({ kind: 'rejected', orderNumber: null, ack: { status: 400, body: 'fail' } });
    }
  });

  it('gives a duplicated notification the same id both times', async () => {
    gateway.setFaults({ duplicateNotifications: 1 });
    const { queryId } = await openAndPay();
    await waitFor(() => verified().length === 2);
    expect(new Set(verified().map((verdict) => verdict.notificationId))).toEqual(new Set([`${queryId}_01`]));
  });

  it('resends until the merchant answers 200, then stops', async () => {
    failAnswers = 2;
    await openAndPay();
    await waitFor(() => received.length === 3);
    await gateway.notificationsIdle();
    expect(received.map((entry) => entry.status)).toEqual([500, 500, 200]);
    expect(gateway.stats()).toMatchObject({ notification_attempts: 3, notifications_acknowledged: 1, notifications_given_up: 0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(3);
  });

  it('gives up after the last scheduled attempt when never acknowledged', async () => {
    failAnswers = 100;
    const { orderNumber } = await openOrder();
    gateway.payer(orderNumber).pay();
    await gateway.notificationsIdle();
    expect(received).toHaveLength(6);
    expect(gateway.stats()).toMatchObject({ notification_attempts: 6, notifications_acknowledged: 0, notifications_given_up: 1 });
  });

  it('delivers a dropped notification by the next resend', async () => {
    gateway.setFaults({ dropNotifications: 1 });
    await openAndPay();
    await gateway.notificationsIdle();
    expect(gateway.stats()).toMatchObject({ notification_attempts: 2, notifications_dropped: 1, notifications_acknowledged: 1 });
    expect(verified()).toHaveLength(1);
  });

  it('lets a later notification overtake a held one', async () => {
    gateway.setFaults({ reorder: 1, reorderHoldMs: 300 });
    const first = await openOrder();
    const second = await openOrder();
    gateway.payer(first.orderNumber).pay();
    gateway.payer(second.orderNumber).pay();
    await waitFor(() => verified().length === 2);
    expect(verified().map((verdict) => verdict.orderNumber)).toEqual([second.orderNumber, first.orderNumber]);
  });
});

describe('refunds', () => {
  it('refunds part, then the rest; refuses more; each refund queries as succeeded', async () => {
    const { orderNumber } = await openAndPay();
    const refund = (refundNumber: string, amount: bigint) =>
      connector.refund(account, { orderNumber, refundNumber, amount, totalAmount: 1234n, currency: 'CNY', reason: null });
    const partial = await refund(`${orderNumber}R1`, 234n);
    expect(partial).toMatchObject({ kind: 'pending', reference: expect.stringMatching(/^\d{21}$/) });
    const rest = await refund(`${orderNumber}R2`, 1000n);
    expect(rest.kind).toBe('pending');
    const over = await refund(`${orderNumber}R3`, 1n);
    expect(over).toMatchObject({ kind: 'failed', reason: expect.stringContaining('33') });
    expect(gateway.stats().refunds).toBe(2);
    for (const [number, answer] of [[`${orderNumber}R1`, partial], [`${orderNumber}R2`, rest]] as const) {
      const state = await connector.queryRefund(account, { orderNumber, refundNumber: number });
      expect(state).toEqual({ kind: 'succeeded', reference: (answer as { reference: string }).reference });
    }
    expect(await connector.queryRefund(account, { orderNumber, refundNumber: `${orderNumber}R3` })).toEqual({ kind: 'not_found' });
  });

  it('sends a refund\'s result to its backUrl (txnType 04), read as the refund of the payment named in reqReserved', async () => {
    const { orderNumber } = await openAndPay();
    const refundNumber = `${orderNumber}R1`;
    const accepted = await connector.refund(account, { orderNumber, refundNumber, amount: 234n, totalAmount: 1234n, currency: 'CNY', reason: null, notifyUrl });
    expect(accepted.kind).toBe('pending');
    await waitFor(() => verified().some((verdict) => verdict.refundNumber === refundNumber));
    const notice = verified().find((verdict) => verdict.refundNumber === refundNumber);
    expect(notice).toMatchObject({
      orderNumber, refundNumber, amount: 234n, merchantIdentity: { merId: credentials.mer_id },
      state: { kind: 'succeeded', reference: accepted.kind === 'pending' ? accepted.reference : '' },
      notificationId: `${accepted.kind === 'pending' ? accepted.reference : ''}_04`, ack: { status: 200 },
    });
  });

  it('rejects a refund notification that does not name the payment, or whose amount was changed', () => {
    const fields = {
      version: '5.1.0', encoding: 'UTF-8', signMethod: '01', txnType: '04', txnSubType: '00', bizType: '000201', accessType: '0',
      merId: credentials.mer_id, orderId: 'REFUND00000001', txnTime: '20260615100000', queryId: '202606151000000000001',
      origQryId: '202606151000000000000', txnAmt: '100', currencyCode: '156', respCode: '00', respMsg: 'Success!',
    };
    // Signed by a gateway key made here: the account trusts its public half.
    const gatewayKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const trusting = { ...account, credentials: { ...account.credentials, unionpay_public_key: gatewayKey.publicKey.export({ type: 'spki', format: 'pem' }).toString() } };
    const sign = (values: Record<string, string>) => signFields(values, gatewayKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const signedBy = (values: Record<string, string>) => Buffer.from(new URLSearchParams(sign(values)).toString());
    expect(connector.verifyNotification(trusting, { headers: {}, rawBody: signedBy(fields), nowMs: clock.nowMs() })).toMatchObject({ kind: 'rejected', orderNumber: null });
    const named = { ...fields, reqReserved: 'PAYMENT0000001' };
    expect(connector.verifyNotification(trusting, { headers: {}, rawBody: signedBy(named), nowMs: clock.nowMs() })).toMatchObject({
      kind: 'verified', orderNumber: 'PAYMENT0000001', refundNumber: 'REFUND00000001', state: { kind: 'succeeded' }, amount: 100n,
    });
    const forged = new URLSearchParams(sign(named));
    forged.set('txnAmt', '1');
    expect(connector.verifyNotification(trusting, { headers: {}, rawBody: Buffer.from(forged.toString()), nowMs: clock.nowMs() })).toMatchObject({
      kind: 'rejected', orderNumber: 'PAYMENT0000001',
    });
    const failedRefund = { ...named, respCode: '12', respMsg: 'duplicate' };
    expect(connector.verifyNotification(trusting, { headers: {}, rawBody: signedBy(failedRefund), nowMs: clock.nowMs() })).toMatchObject({
      kind: 'verified', state: { kind: 'failed' },
    });
  });

  it('does not refund twice under one refund number', async () => {
    const { orderNumber } = await openAndPay();
    const request = { orderNumber, refundNumber: `${orderNumber}R1`, amount: 100n, totalAmount: 1234n, currency: 'CNY' as const, reason: null };
    expect((await connector.refund(account, request)).kind).toBe('pending');
    expect(await connector.refund(account, request)).toMatchObject({ kind: 'unknown', detail: expect.stringContaining('12') });
    expect(gateway.stats().refunds).toBe(1);
  });

  it('refuses to refund an order that is not paid, without sending a refund', async () => {
    const { orderNumber } = await openOrder();
    const outcome = await connector.refund(account, { orderNumber, refundNumber: `${orderNumber}R1`, amount: 100n, totalAmount: 1234n, currency: 'CNY', reason: null });
    expect(outcome).toMatchObject({ kind: 'failed' });
    expect(gateway.stats().refunds).toBe(0);
  });
});

describe('gateway faults', () => {
  it('maps a 500 to unknown, never to not_found or failed', async () => {
    const { orderNumber } = await openAndPay();
    gateway.setFaults({ failNext: 1, failMode: 'error_500' });
    expect(await connector.queryOrder(account, { orderNumber })).toEqual({ kind: 'unknown', detail: 'UnionPay answered HTTP 500' });
    expect(await connector.queryOrder(account, { orderNumber })).toMatchObject({ kind: 'paid' });
  });

  it('maps a timeout and a late answer to unknown', async () => {
    const { orderNumber } = await openAndPay();
    gateway.setFaults({ failNext: 1, failMode: 'timeout' });
    expect(await impatientConnector.queryOrder(account, { orderNumber })).toMatchObject({ kind: 'unknown', detail: 'no answer within 200 ms' });
    gateway.setFaults({ failNext: 1, failMode: 'respond_late', lateMs: 1_000 });
    expect(await impatientConnector.closeOrder(account, { orderNumber })).toMatchObject({ kind: 'unknown' });
  });

  it('reports a refund whose payment lookup failed as retriable, with no refund made', async () => {
    const { orderNumber } = await openAndPay();
    gateway.setFaults({ failNext: 1, failMode: 'error_500' });
    const outcome = await connector.refund(account, { orderNumber, refundNumber: `${orderNumber}R1`, amount: 100n, totalAmount: 1234n, currency: 'CNY', reason: null });
    expect(outcome).toMatchObject({ kind: 'retriable', code: 'connector_unavailable' });
    expect(gateway.stats().refunds).toBe(0);
  });

  it('takes faults over HTTP at /_control/faults and refuses unknown ones', async () => {
    const ok = await fetch(`${gateway.url}/_control/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ failNext: 1 }) });
    expect(ok.status).toBe(200);
    expect(await connector.queryOrder(account, { orderNumber: 'NEVERSEEN0001' })).toMatchObject({ kind: 'unknown' });
    const bad = await fetch(`${gateway.url}/_control/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ explode: 1 }) });
    expect(bad.status).toBe(400);
  });
});

describe('statement', () => {
  it('is not ready during the day, then lists the payment and the refund', async () => {
    const { orderNumber, queryId } = await openAndPay();
    const refunded = await connector.refund(account, { orderNumber, refundNumber: `${orderNumber}R1`, amount: 34n, totalAmount: 1234n, currency: 'CNY', reason: null });
    expect(await connector.downloadStatement(account, { date: '2026-06-15' })).toEqual({ kind: 'not_ready' });
    clock.advanceMs(24 * 60 * 60_000);
    const statement = await connector.downloadStatement(account, { date: '2026-06-15' });
    expect(statement).toEqual({
      kind: 'statement',
      lines: [
        { orderNumber, reference: queryId, kind: 'payment', refundNumber: null, amount: 1234n, occurredAt: new Date(startMs) },
        { orderNumber, reference: (refunded as { reference: string }).reference, kind: 'refund', refundNumber: `${orderNumber}R1`, amount: 34n, occurredAt: new Date(startMs) },
      ],
    });
    expect(await connector.downloadStatement(account, { date: '2026-06-14' })).toEqual({ kind: 'statement', lines: [] });
  });
});

describe('the simulator itself', () => {
  it('signs every answer, errors included', async () => {
    const response = await fetch(`${gateway.url}/gateway/api/queryTrans.do`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'version=5.1.0&signMethod=01&merId=unknown&orderId=ORDER0001',
    });
    const fields = parseAnswer(await response.text());
    expect(fields).toMatchObject({ respCode: '31' });
    expect(verifyFields(fields ?? {}, credentials.unionpay_public_key)).toBe(true);
  });

  it('closes promptly with a request held and notifications scheduled', async () => {
    const other = await startUnionpaySimulator({ clock, notifyDelayScale: 1 });
    const merchant = other.registerMerchant();
    const otherAccount: ConnectorAccount = { ...account, baseUrl: other.url, credentials: { ...merchant } };
    failAnswers = 100;
    const request = orderRequest();
    const outcome = await connector.createOrder(otherAccount, request);
    if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'redirect_to_url') throw new Error('no redirect');
    await fetch(outcome.nextAction.redirect_to_url.url);
    other.payer(request.orderNumber).pay();
    other.setFaults({ failNext: 1, failMode: 'timeout' });
    const held = connector.queryOrder(otherAccount, { orderNumber: request.orderNumber });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await held).toMatchObject({ kind: 'unknown' });
  });
});
