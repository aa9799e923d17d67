/**
 * The worker's sweeps take a bounded batch each round. An item that cannot be
 * settled now (its provider is unreachable) must move to the back, so that
 * every due item is tried in bounded time whatever the others do: a batch's
 * worth of stuck items never blocks the rest (head-of-line blocking).
 *
 * The clock is set years before every other test file's, so the global sweeps
 * here see only this file's payments on a shared database.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireAbandonedPayments } from '../../src/flows/payments/expire-payments.ts';
import { resolveUnknownOutcomes } from '../../src/flows/channels/resolve-outcomes.ts';
import { orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { claimDelivery, findDueDeliveries } from '../../src/store/webhooks.ts';
import { limits } from '../../src/domain/limits.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2003, 4, 1, 8, 0, 0));
let stack: Stack;
let reachable: AlipaySimulator;
let unreachable: AlipaySimulator;
let stuckKey: string;
let fineKey: string;

/**
 * What this file's era (before 2010, which no other test and no real data uses) leaves open on a shared database is
 * closed before and after the run, so a run never finds an earlier one's stuck payments, attempts or deliveries due
 * before its own (a run that crashed would otherwise leave them for every later one).
 */
async function closeThisEra(): Promise<void> {
  const era = new Date(Date.UTC(2010, 0, 1));
  await stack.db.db.updateTable('payment_attempts').set({ status: 'failed', next_query_at: null }).where('started_at', '<', era).where('status', 'in', ['pending', 'unknown', 'requires_action']).execute();
  await stack.db.db.updateTable('payments').set({ status: 'canceled' }).where('created_at', '<', era).where('status', 'in', ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing']).execute();
  await stack.db.db.updateTable('webhook_deliveries').set({ status: 'canceled', next_attempt_at: null }).where('created_at', '<', era).where('status', '=', 'pending').execute();
}

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true, connectorTimeoutMs: 500 });
  await closeThisEra();
  [reachable, unreachable] = await Promise.all([startAlipaySimulator({ clock, notifyDelayScale: 0.0001 }), startAlipaySimulator({ clock, notifyDelayScale: 0.0001 })]);
  const stuck = await stack.newMerchant({ name: 'Stuck Merchant' });
  const fine = await stack.newMerchant({ name: 'Fine Merchant' });
  stuckKey = stuck.secretKey;
  fineKey = fine.secretKey;
  for (const [key, simulator] of [[stuckKey, unreachable], [fineKey, reachable]] as const) {
    const created = await stack.api('POST', '/v1/connector_accounts', { connector: 'alipay', base_url: simulator.url, credentials: simulator.registerMerchant() }, { key });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  }
});

afterAll(async () => {
  if (stack) await closeThisEra();
  await Promise.all([reachable?.close(), unreachable?.close().catch(() => undefined)]);
  await stack?.close();
});

/** A payment waiting for the payer at Alipay (a QR code shown), expiring in `seconds`. */
async function waitingAtAlipay(key: string, seconds: number): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount: 1200, currency: 'CNY', expires_in_seconds: seconds, payment_method_types: ['alipay'] }, { key });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'alipay' } }, { key });
  expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('requires_action');
  return created.body.id as string;
}

const statusOf = async (id: string, key: string) => (await stack.api('GET', `/v1/payments/${id}`, undefined, { key })).body.status as string;

describe('the expiry sweep', () => {
  it('closes an expired payment whose provider answers even when a whole batch of older ones sits at a provider that cannot be reached', async () => {
    const batchSize = 3;
    const stuck: string[] = [];
    for (let i = 0; i < batchSize; i += 1) {
      stuck.push(await waitingAtAlipay(stuckKey, 120));
      clock.advanceMs(1_000);
    }
    const fine = await waitingAtAlipay(fineKey, 120);
    await unreachable.close();

    clock.advanceMs(121_000);
    // Round one takes the oldest batch: all at the unreachable provider, none can be closed.
    expect(await expireAbandonedPayments(stack.context, batchSize)).toBe(0);
    // A minute later, the next round must reach the payment behind them.
    clock.advanceMs(60_000);
    expect(await expireAbandonedPayments(stack.context, batchSize)).toBe(1);
    expect(await statusOf(fine, fineKey)).toBe('canceled');
    for (const id of stuck) expect(await statusOf(id, stuckKey)).toBe('requires_action');

    // The stuck ones are tried again after their backoff (not forgotten), and they stay open while the provider is away.
    const tried = (await stack.db.db.selectFrom('payment_attempts').select('id').where('payment_id', 'in', stuck).execute()).map((row) => orderNumberOf(row.id));
    expect(tried).toHaveLength(batchSize);
    clock.advanceMs(60 * 60 * 1000);
    expect(await expireAbandonedPayments(stack.context, batchSize)).toBe(0);
    for (const id of stuck) expect(await statusOf(id, stuckKey)).toBe('requires_action');
    const retries = await sql<{ tries: number }>`select tries from payment_expiry_retries where payment_id in (${sql.join(stuck)})`.execute(stack.db.db);
    expect(retries.rows).toHaveLength(batchSize);
    for (const row of retries.rows) expect(row.tries).toBeGreaterThanOrEqual(2);
  });
});

describe('the status-query sweep', () => {
  it('reaches an attempt behind a batch of attempts it could not settle', async () => {
    // Attempts whose payment or account is gone cannot be settled; they must not come first for ever.
    const batchSize = 2;
    const orphans: string[] = [];
    for (let i = 0; i < batchSize; i += 1) {
      const id = await waitingAtAlipay(fineKey, 3600);
      const attempt = await stack.db.db.selectFrom('payment_attempts').select('id').where('payment_id', '=', id).executeTakeFirstOrThrow();
      await stack.db.db.updateTable('payment_attempts').set({ connector_account_id: null, next_query_at: new Date(clock.nowMs() - 60_000) }).where('id', '=', attempt.id).execute();
      orphans.push(attempt.id);
    }
    const waiting = await waitingAtAlipay(fineKey, 3600);
    const attempt = await stack.db.db.selectFrom('payment_attempts').select('id').where('payment_id', '=', waiting).executeTakeFirstOrThrow();
    reachable.payer(orderNumberOf(attempt.id)).pay();
    await stack.db.db.updateTable('payment_attempts').set({ next_query_at: new Date(clock.nowMs()) }).where('id', '=', attempt.id).execute();
    // A few rounds, a second apart: enough to reach everything due once each (the first test's payments are due too).
    for (let round = 0; round < 5; round += 1) {
      await resolveUnknownOutcomes(stack.context, batchSize);
      clock.advanceMs(1_000);
    }
    expect(await statusOf(waiting, fineKey)).toBe('succeeded');
  });
});

describe('the webhook delivery sweep', () => {
  it('reaches a delivery behind deliveries whose worker died after claiming them', async () => {
    const endpoint = await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hooks', enabled_events: ['payment.canceled'] }, { key: fineKey });
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(200);
    const deliveries: { id: string; merchantId: string }[] = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' }, { key: fineKey });
      await stack.api('POST', `/v1/payments/${created.body.id}/cancel`, {}, { key: fineKey });
      clock.advanceMs(1_000);
      const row = await stack.db.db.selectFrom('webhook_deliveries').select(['id', 'merchant_id']).where('endpoint_id', '=', endpoint.body.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      deliveries.push({ id: row.id, merchantId: row.merchant_id });
    }
    // The two oldest are claimed by a worker that dies (or throws) before recording the try.
    for (const ref of deliveries.slice(0, 2)) expect(await claimDelivery(stack.db.db, ref, new Date(clock.nowMs()), limits.deliveryLeaseMs)).not.toBeNull();
    clock.advanceMs(limits.deliveryLeaseMs);
    // A sweep of two: the delivery nobody tried comes before the two that were, not after them for ever.
    const due = await findDueDeliveries(stack.db.db, new Date(clock.nowMs()), 2);
    expect(due[0]).toEqual(deliveries[2]);
  });
});
