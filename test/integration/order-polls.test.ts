/**
 * A payer waiting at a provider is not left to the once-a-minute sweep: when
 * the QR code is shown a `poll_order` job is queued for 5 s later, and it
 * backs off (10, 20, 30 s, then every minute) while the payer still waits; a
 * notification that fails verification brings the query forward to now. So a
 * payer who paid and whose notification was lost sees success within seconds.
 *
 * Time passes on the job queue's own terms: a job's `run_at` is checked, then
 * the job is taken and run as the worker would (no stopwatch). The flows'
 * clock is a ManualClock moved by the same amount.
 */
import { sql } from 'kysely';
import { makeWorkerUtils, type JobHelpers, type WorkerUtils } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskList } from '../../src/jobs/worker.ts';
import { nextWaitingPollDelayMs } from '../../src/flows/channels/resolve-outcomes.ts';
import { orderNumberOf } from '../../src/flows/channels/channel-payments.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.now());
let stack: Stack;
let alipay: AlipaySimulator;
let accountId: string;
let workerUtils: WorkerUtils;

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
  alipay = await startAlipaySimulator({ clock, notifyDelayScale: 0.0001 });
  const created = await stack.api('POST', '/v1/connector_accounts', { connector: 'alipay', base_url: alipay.url, credentials: alipay.registerMerchant() });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  accountId = created.body.id;
  workerUtils = await makeWorkerUtils({ pgPool: stack.db.pool });
});

afterAll(async () => {
  await workerUtils?.release();
  await alipay?.close();
  await stack?.close();
});

/** A payment whose Alipay QR code the payer is looking at; answers its attempt's order number too. */
async function waitingPayment(): Promise<{ id: string; attemptId: string; orderNumber: string }> {
  const created = await stack.api('POST', '/v1/payments', { amount: 2500, currency: 'CNY', payment_method_types: ['alipay'] });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: { type: 'alipay' } });
  expect(confirmed.body.status, JSON.stringify(confirmed.body)).toBe('requires_action');
  const attempt = await stack.db.db.selectFrom('payment_attempts').select('id').where('payment_id', '=', created.body.id).executeTakeFirstOrThrow();
  return { id: created.body.id, attemptId: attempt.id, orderNumber: orderNumberOf(attempt.id) };
}

/** Seconds from the database's now until the attempt's queued poll; null when none is queued. */
async function pollDueInSeconds(attemptId: string): Promise<number | null> {
  const result = await sql<{ due_in: number }>`
    select extract(epoch from run_at - now())::float8 as due_in from graphile_worker.jobs where key = ${`poll_order:${attemptId}`}`.execute(stack.db.db);
  return result.rows[0]?.due_in ?? null;
}

/**
 * Lets `ms` pass for the attempt's poll: the flows' clock moves, and the queued job is taken and run as the worker
 * would (taken off the queue, its task run with helpers that queue on the same database). Only this attempt's job
 * runs: on a shared database other files' jobs are not this test's to run.
 */
async function runPollAfter(attemptId: string, ms: number): Promise<void> {
  clock.advanceMs(ms);
  const taken = await sql<{ payload: unknown }>`
    delete from graphile_worker._private_jobs where key = ${`poll_order:${attemptId}`} and locked_at is null returning payload`.execute(stack.db.db);
  const job = taken.rows[0];
  if (!job) throw new Error(`no poll_order job was queued for ${attemptId}`);
  await taskList(stack.context).poll_order!(job.payload, { addJob: workerUtils.addJob } as unknown as JobHelpers);
}

const statusOf = async (id: string) => (await stack.api('GET', `/v1/payments/${id}`)).body.status as string;

describe('polling an order the payer is waiting on', () => {
  it('backs off 5, 10, 20, 30 s after the QR code is shown, then every minute', () => {
    expect(nextWaitingPollDelayMs(0)).toBe(5_000);
    expect(nextWaitingPollDelayMs(5_000)).toBe(10_000);
    expect(nextWaitingPollDelayMs(15_000)).toBe(20_000);
    expect(nextWaitingPollDelayMs(35_000)).toBe(30_000);
    expect(nextWaitingPollDelayMs(65_000)).toBe(60_000);
    expect(nextWaitingPollDelayMs(125_000)).toBe(60_000);
    // A poll that runs a little early does not ask again at once.
    expect(nextWaitingPollDelayMs(4_900)).toBe(10_100);
    expect(nextWaitingPollDelayMs(15_200)).toBe(19_800);
  });

  it('settles a payment whose notification was lost within seconds of the payer paying, not at the next sweep', async () => {
    alipay.setFaults({ dropNotifications: 1_000 });
    try {
      const payment = await waitingPayment();
      const first = await pollDueInSeconds(payment.attemptId);
      expect(first).not.toBeNull();
      expect(first!).toBeGreaterThan(3);
      expect(first!).toBeLessThanOrEqual(5.5);

      // The payer has not paid yet: the first poll finds the order waiting and queues the next one 10 s later.
      await runPollAfter(payment.attemptId, 5_000);
      expect(await statusOf(payment.id)).toBe('requires_action');
      const second = await pollDueInSeconds(payment.attemptId);
      expect(second!).toBeGreaterThan(8);
      expect(second!).toBeLessThanOrEqual(10.5);

      // The payer pays; every notification is lost on the way. The next poll, 10 s later, finds it paid.
      alipay.payer(payment.orderNumber).pay();
      await runPollAfter(payment.attemptId, 10_000);
      expect(await statusOf(payment.id)).toBe('succeeded');
      const history = (await stack.api('GET', `/v1/payments/${payment.id}/history`)).body.data;
      expect(history.at(-1)).toMatchObject({ to_status: 'succeeded', actor: 'system', reason: 'status_query' });
      // Paid: no further poll is queued.
      expect(await pollDueInSeconds(payment.attemptId)).toBeNull();
    } finally {
      alipay.setFaults({ dropNotifications: 0 });
    }
  });

  it('asks at once when a notification fails verification, instead of waiting for the next poll', async () => {
    alipay.setFaults({ dropNotifications: 1_000 });
    try {
      const payment = await waitingPayment();
      await runPollAfter(payment.attemptId, 5_000);
      expect(await pollDueInSeconds(payment.attemptId)).toBeGreaterThan(8);
      alipay.payer(payment.orderNumber).pay();
      // A notification we cannot trust (a forged signature) names the order: it only makes us ask, now.
      const forged = new URLSearchParams({ out_trade_no: payment.orderNumber, trade_status: 'TRADE_SUCCESS', notify_id: 'forged', sign_type: 'RSA2', sign: 'AAAA' });
      const answer = await fetch(`${stack.url}/v1/notify/${accountId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: forged.toString() });
      expect(await answer.text()).toBe('fail');
      expect(await statusOf(payment.id)).toBe('requires_action');
      expect(await pollDueInSeconds(payment.attemptId)).toBeLessThanOrEqual(0.5);
      await runPollAfter(payment.attemptId, 1_000);
      expect(await statusOf(payment.id)).toBe('succeeded');
    } finally {
      alipay.setFaults({ dropNotifications: 0 });
    }
  });

  it('stops polling once the payment has expired (expiry closes the order)', async () => {
    const payment = await waitingPayment();
    clock.advanceMs(31 * 60 * 1000);
    await runPollAfter(payment.attemptId, 0);
    expect(await pollDueInSeconds(payment.attemptId)).toBeNull();
  });
});
