/**
 * The Alipay connector against the simulated Alipay, over real sockets: the
 * payer declining or leaving, close and expiry, refunds, their notifications
 * and their query.
 */
import { describe, expect, it } from 'vitest';
import { account, alipay, clock, connector, newOrderNumber, orderRequest, paidOrder, receivedFor, scannedOrder, setUpAlipayConnectorTests, settle, waitFor } from '../../../test/support/alipay-connector.ts';

setUpAlipayConnectorTests();

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
