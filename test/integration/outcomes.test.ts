/**
 * No payment stays short of a final status: abandoned payments expire through
 * the worker, and outcomes a provider left unknown are settled by asking it,
 * never by charging again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/jobs/worker.ts';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { resolveUnknownOutcomes } from '../../src/flows/channels/resolve-outcomes.ts';
import { card, ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 1, 8, 0, 0));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, connectorTimeoutMs: 300, instantRetries: true });
});
afterAll(async () => stack?.close());
beforeEach(() => stack.acquirer.reset());

async function createPayment(body: Record<string, unknown> = {}) {
  const created = await stack.api('POST', '/v1/payments', { amount: 880, currency: 'CNY', ...body });
  expect(created.status).toBe(200);
  return created.body.id as string;
}

async function statusOf(id: string) {
  return (await stack.api('GET', `/v1/payments/${id}`)).body;
}

describe('abandonment', () => {
  it('cancels unpaid payments past expires_at as abandoned, and leaves paid and authorized ones alone', async () => {
    const unpaid = await createPayment({ expires_in_seconds: 600 });
    const waitingForCode = await createPayment({ expires_in_seconds: 600 });
    await stack.api('POST', `/v1/payments/${waitingForCode}/confirm`, { payment_method: card('4000002760003184') });
    const paid = await createPayment({ expires_in_seconds: 600 });
    await stack.api('POST', `/v1/payments/${paid}/confirm`, { payment_method: card('4242424242424242') });
    const authorized = await createPayment({ expires_in_seconds: 600, capture_method: 'manual' });
    await stack.api('POST', `/v1/payments/${authorized}/confirm`, { payment_method: card('4242424242424242') });
    const notYet = await createPayment({ expires_in_seconds: 3600 });

    clock.advanceMs(599_000);
    await expireAbandonedPayments(stack.context);
    expect((await statusOf(unpaid)).status).toBe('requires_payment_method');

    clock.advanceMs(1_000);
    const canceled = await expireAbandonedPayments(stack.context);
    expect(canceled).toBeGreaterThanOrEqual(2);
    for (const id of [unpaid, waitingForCode]) {
      const payment = await statusOf(id);
      expect(payment).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
      expect(payment.canceled_at).toBe(new Date(clock.nowMs()).toISOString());
      const history = await stack.api('GET', `/v1/payments/${id}/history`);
      expect(history.body.data.at(-1)).toMatchObject({ to_status: 'canceled', actor: 'system', reason: 'abandoned' });
    }
    expect((await statusOf(paid)).status).toBe('succeeded');
    expect((await statusOf(authorized)).status).toBe('requires_capture');
    expect((await statusOf(notYet)).status).toBe('requires_payment_method');
    // A second sweep finds nothing more to do.
    const history = await stack.api('GET', `/v1/payments/${unpaid}/history`);
    await expireAbandonedPayments(stack.context);
    expect((await stack.api('GET', `/v1/payments/${unpaid}/history`)).body.data).toHaveLength(history.body.data.length);
  });

  it('is done by the worker, through its job queue', async () => {
    const id = await createPayment({ expires_in_seconds: 60 });
    clock.advanceMs(61_000);
    const runner = await startWorker(stack.context, stack.db.pool, { concurrency: 1, logLevel: 'silent' });
    try {
      await runner.addJob('expire_payments', {});
      const deadline = Date.now() + 15_000;
      while ((await statusOf(id)).status !== 'canceled' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await statusOf(id)).cancellation_reason).toBe('abandoned');
    } finally {
      await runner.stop();
    }
  });
});

describe('outcomes left unknown', () => {
  it('retries a timed-out authorization with the same key and charges once', async () => {
    stack.acquirer.setFaults({ failNext: 1, failMode: 'respond_late', lateMs: 5_000 });
    const id = await createPayment();
    const confirmed = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.body.status).toBe('succeeded');
    expect(stack.acquirer.stats().authorizations_created).toBe(1);
    expect(stack.acquirer.stats().charges_succeeded).toBe(1);
  });

  it('leaves the payment processing when every try timed out after charging, then settles it by a status query', async () => {
    stack.acquirer.setFaults({ failNext: 3, failMode: 'respond_late', lateMs: 5_000 });
    const id = await createPayment();
    const confirmed = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('processing');
    const cancel = await stack.api('POST', `/v1/payments/${id}/cancel`, {});
    expect(cancel.status).toBe(409);
    const attempts = await stack.api('GET', `/v1/payments/${id}/attempts`);
    expect(attempts.body.data[0]).toMatchObject({ status: 'unknown', tries: 3 });

    await resolveUnknownOutcomes(stack.context);
    expect((await statusOf(id)).status).toBe('processing'); // not due yet

    clock.advanceMs(31_000);
    await resolveUnknownOutcomes(stack.context);
    const settled = await statusOf(id);
    expect(settled).toMatchObject({ status: 'succeeded', amount_received: 880 });
    expect(stack.acquirer.stats().charges_succeeded).toBe(1);
    const history = await stack.api('GET', `/v1/payments/${id}/history`);
    expect(history.body.data.at(-1)).toMatchObject({ from_status: 'processing', to_status: 'succeeded', actor: 'system', reason: 'status_query' });
  });

  it('fails the attempt when the provider never received it, so the payer can pay again', async () => {
    stack.acquirer.setFaults({ failNext: 3, failMode: 'timeout' });
    const id = await createPayment();
    const confirmed = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.body.status).toBe('processing');
    clock.advanceMs(31_000);
    await resolveUnknownOutcomes(stack.context);
    const after = await statusOf(id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_error.code).toBe('connector_unavailable');
    expect(stack.acquirer.stats().charges_succeeded).toBe(0);
    const paid = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') });
    expect(paid.body.status).toBe('succeeded');
  });

  it('settles an attempt a crashed process left pending', async () => {
    const id = await createPayment();
    await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') });
    // Rewind to the moment after the charge and before the outcome was written, as a crash would leave it.
    const attempt = await stack.db.db.selectFrom('payment_attempts').selectAll().where('payment_id', '=', id).executeTakeFirstOrThrow();
    await stack.db.db.deleteFrom('events').where('object_id', '=', id).where('type', '=', 'payment.succeeded').execute();
    await stack.db.db.updateTable('payments').set({ status: 'processing', amount_received: 0n }).where('id', '=', id).execute();
    await stack.db.db
      .updateTable('payment_attempts')
      .set({ status: 'pending', completed_at: null, next_query_at: new Date(clock.nowMs() + 60_000) })
      .where('id', '=', attempt.id)
      .execute();
    clock.advanceMs(61_000);
    await resolveUnknownOutcomes(stack.context);
    expect(await statusOf(id)).toMatchObject({ status: 'succeeded', amount_received: 880 });
    expect(stack.acquirer.stats().charges_succeeded).toBe(1);
  });

  it('settles a capture whose answer was lost', async () => {
    const id = await createPayment({ capture_method: 'manual' });
    await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') });
    stack.acquirer.setFaults({ failNext: 3, failMode: 'drop_after_processing' });
    const capture = await stack.api('POST', `/v1/payments/${id}/capture`);
    expect(capture.body.status).toBe('processing');
    clock.advanceMs(31_000);
    await resolveUnknownOutcomes(stack.context);
    expect(await statusOf(id)).toMatchObject({ status: 'succeeded', amount_received: 880, amount_capturable: 0 });
  });
});

describe('after a provider outage', () => {
  it('settles every outcome left unknown by an outage of an hour within 5 minutes of its end', async () => {
    // Five charges whose answers were lost: the acquirer charged, Paypilot does not know.
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const id = await createPayment();
      stack.acquirer.setFaults({ failNext: 3, failMode: 'drop_after_processing' });
      const confirmed = await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') });
      expect(confirmed.body.status).toBe('processing');
      ids.push(id);
    }
    // An hour and some in which the acquirer answers nothing but errors; the worker sweeps every minute.
    // (It ends just after a query failed, the worst moment for a backoff that grows with the outcome's age.)
    stack.acquirer.setFaults({ failNext: 10_000, failMode: 'error_500' });
    for (let minute = 0; minute < 66; minute += 1) {
      clock.advanceMs(60_000);
      await resolveUnknownOutcomes(stack.context);
    }
    for (const id of ids) expect((await statusOf(id)).status).toBe('processing');
    // The outage ends; the worker goes on sweeping every minute.
    stack.acquirer.setFaults({ failNext: 0 });
    let settledAfterMinutes: number | null = null;
    for (let minute = 1; minute <= 10 && settledAfterMinutes === null; minute += 1) {
      clock.advanceMs(60_000);
      await resolveUnknownOutcomes(stack.context);
      const statuses = await Promise.all(ids.map(async (id) => (await statusOf(id)).status));
      if (statuses.every((status) => status === 'succeeded')) settledAfterMinutes = minute;
    }
    expect(settledAfterMinutes).not.toBeNull();
    expect(settledAfterMinutes!).toBeLessThanOrEqual(5);
    // Settled by asking: one charge each, never a second.
    expect(stack.acquirer.stats().charges_succeeded).toBe(5);
  });

  it('asks at the next sweep about every outcome waiting on an account whose circuit closes', async () => {
    const id = await createPayment();
    stack.acquirer.setFaults({ failNext: 3, failMode: 'drop_after_processing' });
    expect((await stack.api('POST', `/v1/payments/${id}/confirm`, { payment_method: card('4242424242424242') })).body.status).toBe('processing');
    const later = new Date(clock.nowMs() + 4 * 60_000);
    await stack.db.db.updateTable('payment_attempts').set({ next_query_at: later }).where('payment_id', '=', id).execute();
    // The account's breaker opens on failures, and closes when a probe (leased by ranking the account) succeeds.
    for (let i = 0; i < 5; i += 1) await stack.context.accountHealth.record(stack.merchant.merchantId, stack.cardAccountId, false, clock.nowMs());
    const probeAt = clock.nowMs() + 31_000;
    expect(await stack.context.accountHealth.rank(stack.merchant.merchantId, [{ id: stack.cardAccountId, priority: 0 }], probeAt)).toHaveLength(1);
    await stack.context.accountHealth.record(stack.merchant.merchantId, stack.cardAccountId, true, probeAt);
    let nextQueryAt = later;
    for (let tries = 0; tries < 50 && nextQueryAt.getTime() >= later.getTime(); tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const attempt = await stack.db.db.selectFrom('payment_attempts').select('next_query_at').where('payment_id', '=', id).executeTakeFirstOrThrow();
      nextQueryAt = attempt.next_query_at!;
    }
    expect(nextQueryAt.getTime()).toBeLessThan(later.getTime());
    clock.advanceMs(31_000);
    await resolveUnknownOutcomes(stack.context);
    expect((await statusOf(id)).status).toBe('succeeded');
  });

  it('never waits more than 5 minutes between two status queries', async () => {
    const { nextQueryDelayMs } = await import('../../src/flows/channels/resolve-outcomes.ts');
    for (const ageMs of [0, 30_000, 10 * 60_000, 60 * 60_000, 24 * 60 * 60_000]) {
      expect(nextQueryDelayMs(ageMs)).toBeLessThanOrEqual(5 * 60_000);
      expect(nextQueryDelayMs(ageMs)).toBeGreaterThanOrEqual(30_000);
    }
  });
});
