/**
 * Customer segments answered from a kept computation (migration 0034): the
 * kept answer equals a fresh computation on the same data, is answered as it
 * is while fresh, answered at once and refreshed by the worker's job when
 * stale, recomputed before answering when too old, and refreshes at once
 * leave the newest computation whole.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../src/domain/limits.ts';
import { customerSegments } from '../../src/flows/insight/customer-segments.ts';
import { computeAndKeep, questionKey, refreshCustomerSegments } from '../../src/flows/insight/kept-customer-segments.ts';
import { keepSegmentation, keptSegmentation } from '../../src/store/customer-segment-results.ts';
import { taskList } from '../../src/jobs/worker.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const start = Date.UTC(2026, 9, 1, 8);
const clock = new ManualClock(start);
let stack: Stack;
const minute = 60_000;
const from = new Date(start - 24 * 60 * minute);
const to = new Date(start + 30 * 24 * 60 * minute);
const range = `from=${from.toISOString()}&to=${to.toISOString()}`;

async function customerWithPayments(name: string, amounts: number[], cancel = 0): Promise<string> {
  const created = await stack.api('POST', '/v1/customers', { name });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  for (const [i, amount] of amounts.entries()) {
    clock.advanceMs(1_000);
    const payment = await stack.api('POST', '/v1/payments', { amount, currency: 'CNY', customer: created.body.id });
    expect(payment.status, JSON.stringify(payment.body)).toBe(200);
    if (i < cancel) await stack.api('POST', `/v1/payments/${payment.body.id}/cancel`, { cancellation_reason: 'requested_by_customer' });
  }
  return created.body.id;
}

function scope() {
  return { merchantId: stack.merchant.merchantId, mode: 'test' as const };
}

async function queuedRefreshes(): Promise<{ payload: unknown }[]> {
  const result = await sql<{ payload: unknown }>`
    select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
     where t.identifier = 'refresh_customer_segments' and j.payload->>'merchant' = ${stack.merchant.merchantId}
  `.execute(stack.db.db);
  return result.rows;
}

beforeAll(async () => {
  stack = await startStack({ clock });
  for (let i = 0; i < 12; i += 1) await customerWithPayments(`Ordinary ${i}`, [2_000 + i * 100, 2_500 + i * 50]);
  for (let i = 0; i < 4; i += 1) await customerWithPayments(`Canceler ${i}`, [4_500, 4_500, 4_500], 2);
}, 120_000);
afterAll(async () => stack?.close());

describe('kept customer segments', () => {
  it('answers the kept segmentation while fresh, equal to a fresh computation on the same data, and says when it was computed', async () => {
    const first = await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.computed_at).toBe(new Date(clock.nowMs()).toISOString());
    expect(first.body.customers_total).toBe(16);

    clock.advanceMs(limits.segmentResultFreshMs - minute);
    const second = await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`);
    expect(second.body).toEqual(first.body);

    const fresh = await customerSegments(stack.context, scope(), { from, to, currency: null, paymentsPerCustomerMin: 2, k: 3 }, 'en');
    expect(second.body.customers_total).toBe(fresh.customersTotal);
    expect(second.body.customers_segmented).toBe(fresh.customersSegmented);
    expect(second.body.segments).toEqual(
      fresh.result.segments.map((s) => ({
        ...s,
        centroid: { ...s.centroid, average_amount: Object.fromEntries(Object.entries(s.centroid.average_amount).map(([c, a]) => [c, Number(a)])) },
      })),
    );

    const csv = await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`, undefined, { headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    expect(String(csv.body).trimEnd().split('\r\n')).toHaveLength(1 + 16);
  });

  it('keeps a question per language, k and range', async () => {
    const english = await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=2`);
    const chinese = await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=2`, undefined, { headers: { 'accept-language': 'zh-CN' } });
    expect(english.body.k).toBeLessThanOrEqual(2);
    expect(chinese.body.segments.map((s: { customers: string[] }) => s.customers)).toEqual(english.body.segments.map((s: { customers: string[] }) => s.customers));
    if (english.body.segments.length > 0) expect(chinese.body.segments[0].label).not.toBe(english.body.segments[0].label);
  });

  it('past the bound answers the stale one at once, queues one refresh, and the refresh makes the next answer see the new payments', async () => {
    const kept = (await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`)).body;
    await customerWithPayments('Newcomer', [9_900, 9_900]);

    const within = await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`);
    expect(within.body.customers_total).toBe(16);
    expect(await queuedRefreshes()).toHaveLength(0);

    clock.advanceMs(limits.segmentResultFreshMs + minute);
    const stale = await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`);
    expect(stale.status).toBe(200);
    expect(stale.body).toEqual(kept);
    await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`);
    const queued = await queuedRefreshes();
    expect(queued).toHaveLength(1);

    const helpers = { logger: { info: () => {}, debug: () => {} } } as never;
    const task = taskList(stack.context).refresh_customer_segments;
    if (!task) throw new Error('no refresh_customer_segments task');
    await task(queued[0]?.payload as never, helpers);
    const jobKey = `customer_segments:${stack.merchant.merchantId}:test:${questionKey({ from, to, currency: null, paymentsPerCustomerMin: 2, k: 3 }, 'en')}`;
    await sql`select graphile_worker.remove_job(${jobKey})`.execute(stack.db.db);
    expect(await queuedRefreshes()).toHaveLength(0);

    const refreshed = await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`);
    expect(refreshed.body.customers_total).toBe(17);
    expect(refreshed.body.computed_at).toBe(new Date(clock.nowMs()).toISOString());
  });

  it('recomputes before answering when what is kept is older than the stale bound', async () => {
    const before = (await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`)).body;
    await customerWithPayments('Latecomer', [1_100, 1_200]);
    clock.advanceMs(limits.segmentResultStaleMaxMs + minute);
    const after = (await stack.api('GET', `/v1/analytics/customer_segments?${range}&k=3`)).body;
    expect(after.customers_total).toBe(before.customers_total + 1);
    expect(after.computed_at).toBe(new Date(clock.nowMs()).toISOString());
  });

  it('without `to`, answers the range up to when it was computed', async () => {
    const a = (await stack.api('GET', '/v1/analytics/customer_segments')).body;
    expect(a.to).toBe(a.computed_at);
    expect(Date.parse(a.to) - Date.parse(a.from)).toBe(limits.segmentRangeDefaultMs);
    clock.advanceMs(minute);
    const b = (await stack.api('GET', '/v1/analytics/customer_segments')).body;
    expect(b).toEqual(a);
  });

  it('two refreshes at once leave the one that read later, whole; an older one finishing later does not replace it', async () => {
    const question = { from, to, currency: null, paymentsPerCustomerMin: 2, k: 4 };
    const earlier = computeAndKeep(stack.context, scope(), question, 'en');
    clock.advanceMs(1_000);
    const later = computeAndKeep(stack.context, scope(), question, 'en');
    const [a, b] = await Promise.all([earlier, later]);
    const key = questionKey(question, 'en');
    const row = await keptSegmentation(stack.db.db, scope(), key, true);
    expect(row?.computedAt.getTime()).toBe(b.computedAt.getTime());
    expect(a.computedAt.getTime()).toBeLessThan(b.computedAt.getTime());

    const older = await keepSegmentation(stack.db.db, scope(), key, { ...row!, computedAt: a.computedAt, answer: '{"broken": true}', members: '[]' });
    expect(older).toBe(false);
    const kept = await keptSegmentation(stack.db.db, scope(), key, true);
    expect(kept?.answer).toBe(row?.answer);

    const many = await Promise.all(
      Array.from({ length: 4 }, () => stack.api('GET', `/v1/analytics/customer_segments?${range}&k=4&min_payments=3`)),
    );
    for (const response of many) expect(response.status).toBe(200);
    const first = many[0]?.body.segments.map((s: { customers: string[] }) => s.customers);
    for (const response of many) expect(response.body.segments.map((s: { customers: string[] }) => s.customers)).toEqual(first);
  });

  it('a refresh that fails leaves the previous answer', async () => {
    const question = { from, to, currency: null, paymentsPerCustomerMin: 2, k: 4 };
    const key = questionKey(question, 'en');
    const before = await keptSegmentation(stack.db.db, scope(), key, true);
    // The process dies as it writes the new result: the computation ran, its write never lands.
    const diesOnWrite = {
      transformQuery: (args: { node: unknown }) => {
        const fragments = (args.node as { sqlFragments?: readonly string[] }).sqlFragments ?? [];
        if (fragments.join('').includes('insert into customer_segment_results')) throw new Error('the process died');
        return args.node as never;
      },
      transformResult: async (args: { result: unknown }) => args.result as never,
    };
    const broken = { ...stack.context, db: stack.context.db.withPlugin(diesOnWrite) };
    clock.advanceMs(1_000);
    await expect(refreshCustomerSegments(broken as never, { merchant: stack.merchant.merchantId, mode: 'test', from: from.toISOString(), to: to.toISOString(), currency: null, k: 4, min_payments: 2, locale: 'en' })).rejects.toThrow('the process died');
    const after = await keptSegmentation(stack.db.db, scope(), key, true);
    expect(after).toEqual(before);
  });
});
