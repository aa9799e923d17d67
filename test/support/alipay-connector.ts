/**
 * What the Alipay connector's tests share (src/connectors/alipay/*-orders,
 * close-and-refunds, notifications-and-faults): the connector against the
 * simulated Alipay over real sockets, a merchant notify_url that verifies each
 * notification with the connector and answers as told, and order helpers.
 * Each test file calls `setUpAlipayConnectorTests()` once, at its top: it gets
 * a simulator of its own, reset before each test.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { createHttpExchange } from '../../src/connectors/http-exchange.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { startAlipaySimulator } from '../../src/simulators/alipay/server.ts';
import type { AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import type { ConnectorAccount, CreateOrderRequest, NotificationVerdict, ProviderAnswer } from '../../src/connectors/connector.ts';
import { createAlipayConnector } from '../../src/connectors/alipay/alipay-connector.ts';

export const clock = new ManualClock(Date.UTC(2026, 5, 15, 2, 0, 0)); // 10:00 in Beijing
/** The simulator listens on 127.0.0.1: test-mode accounts, with the operator's flag that allows private addresses in test mode. */
const simulatorExchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
export const connector = createAlipayConnector({ exchange: simulatorExchange, timeoutMs: 2_000, clock });
/** For the faults that make the gateway slow or silent. */
export const impatientConnector = createAlipayConnector({ exchange: simulatorExchange, timeoutMs: 300, clock });

// Live bindings: set by the hooks below, read by the tests.
export let alipay: AlipaySimulator;
export let account: ConnectorAccount;

/** The merchant's notify_url: verifies each notification with the connector and answers as told. */
export interface Received {
  raw: Buffer;
  verdict: NotificationVerdict;
}
export let received: Received[] = [];
type Answering = (verdict: NotificationVerdict, index: number) => ProviderAnswer;
const answerAsVerified: Answering = (verdict) => verdict.ack;
let answerWith: Answering = answerAsVerified;
let notifyServer: Server;
export let notifyUrl: string;

/** How the merchant's notify_url answers the notifications of the current test (by default, as the verdict says). */
export function answerNotificationsWith(answering: Answering): void {
  answerWith = answering;
}

export function setUpAlipayConnectorTests(): void {
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
    answerWith = answerAsVerified;
  });
}

export const newOrderNumber = (): string => `PP${randomBytes(8).toString('hex').toUpperCase()}`;

export function orderRequest(overrides: Partial<CreateOrderRequest> = {}): CreateOrderRequest {
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

export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function receivedFor(orderNumber: string): Received[] {
  return received.filter(({ raw }) => new URLSearchParams(raw.toString()).get('out_trade_no') === orderNumber);
}

/** Creates a QR order and has the payer scan it (which opens the trade). */
export async function scannedOrder(overrides: Partial<CreateOrderRequest> = {}): Promise<CreateOrderRequest> {
  const request = orderRequest(overrides);
  const outcome = await connector.createOrder(account, request);
  if (outcome.kind !== 'requires_action' || outcome.nextAction.type !== 'display_qr_code') throw new Error(`no QR code: ${outcome.kind}`);
  const page = await fetch(outcome.nextAction.display_qr_code.data);
  expect(page.status).toBe(200);
  return request;
}

export async function paidOrder(overrides: Partial<CreateOrderRequest> = {}): Promise<CreateOrderRequest> {
  const request = await scannedOrder(overrides);
  alipay.payer(request.orderNumber).pay();
  await waitFor(() => receivedFor(request.orderNumber).length > 0, 'the payment notification');
  return request;
}
