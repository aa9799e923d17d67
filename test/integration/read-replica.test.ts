/**
 * Reads off the primary (DATABASE_READ_URL) against a real streaming replica:
 * two local PostgreSQL servers, the second made from the first with
 * pg_basebackup and replaying its WAL. Analytics and console reads answer
 * from the replica once it has caught up, with the primary's figures; a
 * replica that has not replayed a write yet, or cannot be reached, is not
 * read; and writes never go there (a standby refuses them, so every write
 * path below succeeding, and every replica read answering, shows it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/domain/console/totp.ts';
import { analyticsSummary, presentSummary } from '../../src/flows/insight/analytics.ts';
import { createFlowContext, prepareDatabase } from '../../src/runtime.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { freePort } from '../../src/store/embedded-postgres.ts';
import { emailRun, signedInMember, type ConsoleClient } from '../support/console.ts';
import { replicaBinariesPresent, replicaRequired, replicaSkipNote, startReplicaPair, type ReplicaPair } from '../support/replica-pair.ts';
import { card, startStack, testMasterKey, type Stack } from '../support/stack.ts';

const skip = !replicaBinariesPresent && !replicaRequired;
if (skip) console.warn(replicaSkipNote);

const from = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString();
const to = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

describe.skipIf(skip)('read replica (DATABASE_READ_URL)', () => {
  let pair: ReplicaPair;
  let stack: Stack;
  let replica: DatabaseHandle;
  let owner: ConsoleClient;
  const paymentIds: string[] = [];
  let customerId = '';

  beforeAll(async () => {
    pair = await startReplicaPair();
    const migrating = openDatabase(pair.primaryUrl, { poolSize: 2 });
    try {
      await prepareDatabase(migrating);
    } finally {
      await migrating.close();
    }
    stack = await startStack({ databaseUrl: pair.primaryUrl, readDatabaseUrl: pair.replicaUrl });
    replica = openDatabase(pair.replicaUrl, { poolSize: 2 });
    owner = await signedInMember(stack, stack.merchant.merchantId, 'owner', `owner@${emailRun}.replica.example.com`, {
      address: '10.9.0.1',
      totpAt: (secret) => totp(secret, Date.now()),
    });
  }, 180_000);

  afterAll(async () => {
    await replica?.close();
    await stack?.close();
    await pair?.stop();
  });

  const reads = async (database: 'replica' | 'primary', reason: string) => {
    const metric = await stack.context.metrics.readsByDatabase.get();
    return metric.values.find((value) => value.labels.database === database && value.labels.reason === reason)?.value ?? 0;
  };

  async function pay(amount: number, number = '4242424242424242', extra: Record<string, unknown> = {}) {
    const created = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', ...extra });
    expect(created.status).toBe(200);
    const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card(number) });
    paymentIds.push(created.body.id);
    return confirmed;
  }

  it('the replica is a hot standby that refuses writes, so a write sent there could never succeed', async () => {
    const recovery = await replica.pool.query<{ standby: boolean }>('select pg_is_in_recovery() as standby');
    expect(recovery.rows[0]?.standby).toBe(true);
    await expect(replica.pool.query(`update merchants set name = name where id = $1`, [stack.merchant.merchantId])).rejects.toMatchObject({ code: '25006' });
  });

  it('every write path works with DATABASE_READ_URL set: payments, captures, refunds, cancellations, customers, webhook endpoints, console changes', async () => {
    expect((await pay(1200)).body.status).toBe('succeeded');
    expect((await pay(800, '4000000000000002')).status).toBe(402);
    const manual = await stack.api('POST', '/v1/payments', { amount: 5000, currency: 'CNY', capture_method: 'manual' });
    await stack.api('POST', `/v1/payments/${manual.body.id}/confirm`, { payment_method: card('4242424242424242') });
    const captured = await stack.api('POST', `/v1/payments/${manual.body.id}/capture`, { amount_to_capture: 4000 });
    expect(captured.body.status).toBe('succeeded');
    paymentIds.push(manual.body.id);
    const refund = await stack.api('POST', '/v1/refunds', { payment: manual.body.id, amount: 1000 });
    expect(refund.status).toBe(200);
    const toCancel = await stack.api('POST', '/v1/payments', { amount: 300, currency: 'CNY' });
    const canceled = await stack.api('POST', `/v1/payments/${toCancel.body.id}/cancel`, { cancellation_reason: 'requested_by_customer' });
    expect(canceled.body.status).toBe('canceled');
    paymentIds.push(toCancel.body.id);
    const customer = await stack.api('POST', '/v1/customers', { email: `payer@${emailRun}.replica.example.com` });
    expect(customer.status).toBe(200);
    customerId = customer.body.id;
    const endpoint = await stack.api('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/hooks', enabled_events: ['payment.succeeded'] });
    expect(endpoint.status).toBe(200);
    const consoleRefund = await owner.request('POST', `/console/api/payments/${manual.body.id}/refund?mode=test`, { amount: 500 });
    expect(consoleRefund.status).toBe(200);
    // None of it fell back: a write can only have gone to the primary, the replica refuses them.
    expect(await reads('primary', 'replica_failed')).toBe(0);
  });

  it('analytics read on the caught-up replica match the figures read on the primary', async () => {
    await pair.caughtUp();
    const before = await reads('replica', 'caught_up');
    const answered = await stack.api('GET', `/v1/analytics/summary?${range}`);
    expect(answered.status).toBe(200);
    expect(await reads('replica', 'caught_up')).toBe(before + 1);
    const primaryOnly = createFlowContext({ db: stack.db.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0' });
    const onPrimary = presentSummary(await analyticsSummary(primaryOnly, { merchantId: stack.merchant.merchantId, mode: 'test' }, { from, to }));
    expect(answered.body).toEqual(JSON.parse(JSON.stringify(onPrimary)));
    expect(answered.body.payments_created).toBe(4);
    expect(answered.body.payments_succeeded).toBe(2);
    expect(answered.body.payments_canceled).toBe(1);
  });

  it('a replica that has not replayed a write is not read: the read goes to the primary and sees it, then to the replica once it has', async () => {
    await replica.pool.query('select pg_wal_replay_pause()');
    try {
      await pay(700);
      const lagging = await reads('primary', 'lagging');
      const answered = await stack.api('GET', `/v1/analytics/summary?${range}`);
      expect(answered.body.payments_created).toBe(5);
      expect(await reads('primary', 'lagging')).toBe(lagging + 1);
      const searched = await owner.request('GET', `/console/api/payments?mode=test&limit=100`);
      expect(searched.body.data.map((p: { id: string }) => p.id)).toContain(paymentIds.at(-1));
    } finally {
      await replica.pool.query('select pg_wal_replay_resume()');
    }
    await pair.caughtUp();
    const before = await reads('replica', 'caught_up');
    const answered = await stack.api('GET', `/v1/analytics/summary?${range}`);
    expect(answered.body.payments_created).toBe(5);
    expect(await reads('replica', 'caught_up')).toBe(before + 1);
  });

  it('every read routed to the replica answers from it (none of them writes, or the standby would refuse it)', async () => {
    await pair.caughtUp();
    const [payment] = paymentIds;
    const v1 = [
      `/v1/analytics/summary?${range}`,
      `/v1/analytics/timeseries?${range}&granularity=day`,
      `/v1/analytics/cancellations?${range}`,
      `/v1/analytics/cancellations/summary?${range}`,
      '/v1/analytics/flagged_customers',
      `/v1/analytics/incidents?${range}`,
      `/v1/analytics/customer_segments?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    ];
    const consolePaths = [
      '/console/api/payments?mode=test',
      `/console/api/payments/${payment}?mode=test`,
      `/console/api/payments/${payment}/timeline?mode=test`,
      '/console/api/customers?mode=test',
      `/console/api/customers/${customerId}?mode=test`,
      '/console/api/audit_log',
      '/console/api/requests',
      '/console/api/reconciliation/runs?mode=test',
      '/console/api/reconciliation/mismatches?mode=test',
      '/console/api/after_sales_requests?mode=test',
      `/console/api/channels?mode=test&${range}&granularity=day`,
      '/console/api/channels/accounts?mode=test',
      `/console/api/analytics/summary?mode=test&${range}`,
    ];
    const before = await reads('replica', 'caught_up');
    for (const path of v1) {
      const answer = await stack.api('GET', path);
      expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(200);
    }
    for (const path of consolePaths) {
      const answer = await owner.request('GET', path);
      expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(200);
    }
    expect(await reads('replica', 'caught_up')).toBeGreaterThanOrEqual(before + v1.length + consolePaths.length);
    expect(await reads('primary', 'replica_failed')).toBe(0);
  });

  it('a replica that cannot be reached sends the read to the primary', async () => {
    const closedPort = await freePort();
    const unreachable = openDatabase(`postgres://postgres:x@127.0.0.1:${closedPort}/paypilot`, { poolSize: 1 });
    try {
      const context = createFlowContext({ db: stack.db.db, readDb: unreachable.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0' });
      const summary = await analyticsSummary(context, { merchantId: stack.merchant.merchantId, mode: 'test' }, { from, to });
      expect(summary.figures.payments_created).toBe(5);
      const failed = (await context.metrics.readsByDatabase.get()).values.find((value) => value.labels.reason === 'replica_failed');
      expect(failed?.value).toBe(1);
    } finally {
      await unreachable.close();
    }
  });
});
