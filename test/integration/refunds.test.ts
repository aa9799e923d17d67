/** Refunds: full, partial, several per payment, and never more than received under any concurrency. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

async function paidPayment(amount = 10_000, options: { capture?: number } = {}) {
  const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', capture_method: options.capture ? 'manual' : 'automatic' });
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
  if (options.capture) await stack.api('POST', `/v1/payments/${created.body.id}/capture`, { amount_to_capture: options.capture });
  expect(confirmed.status).toBe(200);
  return created.body.id as string;
}

describe('refunds', () => {
  it('refunds all that remains when no amount is given', async () => {
    const payment = await paidPayment(10_000);
    const refund = await stack.api('POST', '/v1/refunds', { payment, reason: 'requested_by_customer' });
    expect(refund.status).toBe(200);
    expect(refund.body).toMatchObject({ object: 'refund', payment, amount: 10_000, currency: 'CNY', status: 'succeeded', reason: 'requested_by_customer', failure_reason: null });
    expect(refund.body.id).toMatch(/^re_/);
    const after = await stack.api('GET', `/v1/payments/${payment}`);
    expect(after.body).toMatchObject({ status: 'succeeded', amount_refunded: 10_000 });
    const none = await stack.api('POST', '/v1/refunds', { payment, amount: 1 });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: 'refund_exceeds_payment', param: 'amount' });
  });

  it('allows several partial refunds up to what was received, and lists them', async () => {
    const payment = await paidPayment(10_000);
    for (const amount of [2_000, 3_000, 5_000]) {
      const refund = await stack.api('POST', '/v1/refunds', { payment, amount, reason: 'after_sales' });
      expect(refund.body.status).toBe('succeeded');
    }
    const over = await stack.api('POST', '/v1/refunds', { payment, amount: 1 });
    expect(over.body.error.code).toBe('refund_exceeds_payment');
    const list = await stack.api('GET', `/v1/refunds?payment=${payment}`);
    expect(list.body.data.map((r: { amount: number }) => r.amount)).toEqual([5_000, 3_000, 2_000]);
    const one = await stack.api('GET', `/v1/refunds/${list.body.data[0].id}`);
    expect(one.body.amount).toBe(5_000);
    expect((await stack.api('GET', `/v1/payments/${payment}`)).body.amount_refunded).toBe(10_000);
  });

  it('counts only what was captured for a partially captured payment', async () => {
    const payment = await paidPayment(10_000, { capture: 4_000 });
    const over = await stack.api('POST', '/v1/refunds', { payment, amount: 4_001 });
    expect(over.status).toBe(422);
    expect(over.body.error.message).toContain('40.00 CNY');
    const exact = await stack.api('POST', '/v1/refunds', { payment, amount: 4_000 });
    expect(exact.body.status).toBe('succeeded');
  });

  it('refuses a refund on a payment that has not succeeded, and on one that does not exist', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 500, currency: 'CNY' });
    const unpaid = await stack.api('POST', '/v1/refunds', { payment: created.body.id });
    expect(unpaid.status).toBe(409);
    expect(unpaid.body.error.code).toBe('payment_unexpected_state');
    const missing = await stack.api('POST', '/v1/refunds', { payment: 'pay_00000000000000000000000000' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'resource_missing', param: 'payment' });
  });

  it('never refunds more than received under 50 concurrent refund requests on one payment', async () => {
    const payment = await paidPayment(10_000);
    const before = stack.acquirer.stats().refunds_succeeded;
    const answers = await Promise.all(Array.from({ length: 50 }, () => stack.api('POST', '/v1/refunds', { payment, amount: 300 })));
    const succeeded = answers.filter((a) => a.status === 200 && a.body.status === 'succeeded');
    const refused = answers.filter((a) => a.status === 422);
    expect(succeeded).toHaveLength(33); // 33 × 300 = 9 900 ≤ 10 000 < 34 × 300
    expect(refused).toHaveLength(17);
    for (const answer of refused) expect(answer.body.error.code).toBe('refund_exceeds_payment');
    expect(answers.every((a) => a.status === 200 || a.status === 422)).toBe(true);
    const sum = await stack.db.db
      .selectFrom('refunds')
      .select((eb) => eb.fn.sum<bigint>('amount').as('total'))
      .where('payment_id', '=', payment)
      .where('status', '!=', 'failed')
      .executeTakeFirstOrThrow();
    expect(BigInt(sum.total)).toBe(9_900n);
    expect(stack.acquirer.stats().refunds_succeeded - before).toBe(33);
    expect((await stack.api('GET', `/v1/payments/${payment}`)).body.amount_refunded).toBe(9_900);
  });

  it('writes refund.created and refund.succeeded events', async () => {
    const payment = await paidPayment(1_000);
    const refund = await stack.api('POST', '/v1/refunds', { payment });
    const events = await stack.db.db.selectFrom('events').select(['type', 'data']).where('object_id', '=', refund.body.id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['refund.created', 'refund.succeeded']);
    expect((events[1]?.data as { object: { status: string } }).object.status).toBe('succeeded');
  });
});
