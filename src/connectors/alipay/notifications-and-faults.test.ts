/**
 * The Alipay connector against the simulated Alipay, over real sockets:
 * notifications (verified, forged, duplicated, resent, reordered, dropped),
 * what injected gateway faults must (and must not) turn into, and statements.
 */
import { describe, expect, it } from 'vitest';
import { startAlipaySimulator } from '../../simulators/alipay/server.ts';
import {
  account,
  alipay,
  answerNotificationsWith,
  clock,
  connector,
  impatientConnector,
  orderRequest,
  paidOrder,
  received,
  receivedFor,
  scannedOrder,
  setUpAlipayConnectorTests,
  settle,
  waitFor,
} from '../../../test/support/alipay-connector.ts';

setUpAlipayConnectorTests();

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
    answerNotificationsWith((verdict, index) =>
      index === 0 ? { ...verdict.ack, body: 'success\n' } : index === 1 ? { ...verdict.ack, body: 'SUCCESS' } : verdict.ack,
    );
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
