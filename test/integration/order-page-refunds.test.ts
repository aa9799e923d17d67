/**
 * The payer's order page follows refunds: a refund the merchant approved and
 * the provider then refused shows as failed (never as refunded, never as a
 * plain "approved"), and the order's figures count only refunds that went
 * through; a partial refund, then the rest, are shown as they settle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

async function paidPayment(amount: number): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', description: 'Oolong tea' });
  const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  expect(paid.body.status).toBe('succeeded');
  return created.body.id as string;
}

const orderPath = (paymentId: string, path = '') => `/v1/orders/${paymentId}${path}?token=${orderPageToken(paymentId, stack.context.keys.orderPage)}`;
const order = async (paymentId: string) => (await stack.api('GET', orderPath(paymentId), undefined, { key: null })).body;

describe('the order page and refunds', () => {
  it('shows an approved refund that then failed as failed, not as refunded', async () => {
    const payment = await paidPayment(5_000);
    const requested = await stack.api('POST', orderPath(payment, '/after_sales_requests'), { kind: 'refund', reason: 'The tin arrived dented', amount: 2_000 }, { key: null });
    expect(requested.status, JSON.stringify(requested.body)).toBe(200);
    const approved = await stack.api('POST', `/v1/after_sales_requests/${requested.body.id}/approve`, {});
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const refundId = approved.body.refund as string;
    expect(refundId).toMatch(/^re_/);
    // The provider refuses the refund after all (as a later status query would find it).
    await stack.db.db.updateTable('refunds').set({ status: 'failed', failure_reason: 'refund_declined' }).where('id', '=', refundId).execute();

    const view = await order(payment);
    expect(view.amount_refunded).toBe(0);
    expect(view.status).toBe('succeeded');
    expect(view.after_sales_requests).toMatchObject([{ id: requested.body.id, status: 'approved', refund: refundId, refund_status: 'failed' }]);
    expect(view.timeline.map((entry: { type: string }) => entry.type)).toEqual(['paid', 'refund_failed']);
    expect(view.timeline.at(-1)).toMatchObject({ type: 'refund_failed', amount: 2_000 });
    expect(view.timeline.some((entry: { type: string }) => entry.type === 'refunded')).toBe(false);
  });

  it('follows a partial refund, then the rest', async () => {
    const payment = await paidPayment(3_000);
    const requested = await stack.api('POST', orderPath(payment, '/after_sales_requests'), { kind: 'refund', reason: 'One tin was missing', amount: 1_000 }, { key: null });
    const approved = await stack.api('POST', `/v1/after_sales_requests/${requested.body.id}/approve`, {});
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const partly = await order(payment);
    expect(partly).toMatchObject({ status: 'succeeded', amount: 3_000, amount_refunded: 1_000 });
    expect(partly.after_sales_requests[0]).toMatchObject({ status: 'approved', refund_status: 'succeeded' });
    expect(partly.timeline.at(-1)).toMatchObject({ type: 'refunded', amount: 1_000 });
    const rest = await stack.api('POST', '/v1/refunds', { payment, amount: 2_000 });
    expect(rest.body.status).toBe('succeeded');
    const whole = await order(payment);
    expect(whole).toMatchObject({ amount_refunded: 3_000 });
    expect(whole.timeline.filter((entry: { type: string }) => entry.type === 'refunded')).toHaveLength(2);
  });
});
