/**
 * Every rate limit held by three API processes together, as three nodes
 * behind a load balancer: three Fastify apps on one database, each with its
 * own pool, its own LISTEN connection, its own key cache and its own
 * limiters (flows/rate-limits/shared-rate-limiter.ts). Requests from one key
 * or one address spread over the three get the one limit, not three; and a
 * key revoked through one process is refused at once by the two others.
 * (The circuit breaker across three processes: breaker-across-processes.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.ts';
import { createMerchant } from '../../src/flows/merchants/create-merchant.ts';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/routes/route-kit.ts';
import { createFlowContext } from '../../src/runtime.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { startInvalidationListener, type InvalidationListener } from '../../src/store/invalidation.ts';
import { testMasterKey } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 5));
const ratePerSecond = 30; // per key: bursts of 60
const addressLimits = { authFailuresPerMinute: 6, payerRequestsPerMinute: 9, notificationsPerMinute: 12 };
const processes: { app: App; db: DatabaseHandle; invalidation: InvalidationListener; url: string }[] = [];
let secretKey: string;

beforeAll(async () => {
  for (let i = 0; i < 3; i += 1) {
    const db = openDatabase(inject('databaseUrl'), { poolSize: 4 });
    const context = createFlowContext({ db: db.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0', clock });
    const invalidation = await startInvalidationListener(db.pool);
    const app = await buildApp({ context, logLevel: 'silent', rateLimitPerSecond: ratePerSecond, sharedRateLimits: true, addressRateLimits: addressLimits, invalidation });
    processes.push({ app, db, invalidation, url: await app.listen({ host: '127.0.0.1', port: 0 }) });
    if (i === 0) secretKey = (await createMerchant(context, { name: 'Three nodes' })).keys.secret_test;
  }
});
afterAll(async () => {
  for (const process of processes) {
    await process.app.close();
    await process.invalidation.close();
    await process.db.close();
  }
});

/** A request to the `i`-th process (round robin, as a load balancer would), from `address`. */
async function on(i: number, address: string, method: 'GET' | 'POST', url: string, key?: string, payload?: string): Promise<number> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const answer = await processes[i % 3]!.app.inject({ method, url, headers, payload, remoteAddress: address });
  return answer.statusCode;
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('rate limits held by three API processes together', () => {
  it('lets one key through the burst of one limit, not three, over the three processes', async () => {
    const statuses: number[] = [];
    // The clock stands still: nothing refills, so exactly the burst (2 × 30) may pass.
    for (let i = 0; i < 90; i += 1) statuses.push(await on(i, '10.9.0.1', 'GET', '/v1/payments?limit=1', secretKey));
    expect(count(statuses, 200)).toBe(2 * ratePerSecond);
    expect(count(statuses, 429)).toBe(30);
    // (Which requests pass is not in order: each process draws 3 tokens at a time and spends them as its turns come.)
    // Every process refuses now, not only the one that saw the last token go.
    for (let i = 0; i < 3; i += 1) expect(await on(i, '10.9.0.1', 'GET', '/v1/payments?limit=1', secretKey)).toBe(429);
    clock.advanceMs(2_000); // a full refill, for the tests after this one
  });

  it('counts one address’s failed authentications on all three together, then refuses a valid key not yet cached on any of them', async () => {
    const badKey = `sk_test_${'y'.repeat(32)}`;
    for (let i = 0; i < addressLimits.authFailuresPerMinute; i += 1) expect(await on(i, '10.9.1.1', 'GET', '/v1/payments', badKey)).toBe(401);
    // Two failures per process: in-process limits of 6 each would all still answer 401.
    for (let i = 0; i < 3; i += 1) expect(await on(i, '10.9.1.1', 'GET', '/v1/payments', badKey)).toBe(429);
    const fresh = (await createMerchant(createFlowContext({ db: processes[0]!.db.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0', clock }), { name: 'Fresh' })).keys.secret_test;
    for (let i = 0; i < 3; i += 1) expect(await on(i, '10.9.1.1', 'GET', '/v1/payments?limit=1', fresh)).toBe(429);
    // Another address is untouched, on every process.
    for (let i = 0; i < 3; i += 1) expect(await on(i, '10.9.1.2', 'GET', '/v1/payments', badKey)).toBe(401);
  });

  it('gives one address the payer’s budget once, over the checkout page and order API on three processes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3 * addressLimits.payerRequestsPerMinute; i += 1) {
      statuses.push(i % 2 === 0 ? await on(i, '10.9.2.1', 'GET', '/checkout/pay_nothing') : await on(i, '10.9.2.1', 'GET', '/v1/orders/pay_nothing?token=x'));
    }
    expect(statuses.slice(0, addressLimits.payerRequestsPerMinute).every((s) => s !== 429)).toBe(true);
    expect(count(statuses, 429)).toBe(2 * addressLimits.payerRequestsPerMinute);
    // A minute later the bucket has refilled, for every process.
    clock.advanceMs(60_000);
    for (let i = 0; i < 3; i += 1) expect(await on(i, '10.9.2.1', 'GET', '/checkout/pay_nothing')).toBe(404);
  });

  it('holds a flood of provider notifications from one address to one budget over three processes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3 * addressLimits.notificationsPerMinute; i += 1) statuses.push(await on(i, '10.9.3.1', 'POST', '/v1/notify/ca_nothing', undefined, '{}'));
    expect(count(statuses, 429)).toBe(2 * addressLimits.notificationsPerMinute);
    for (let i = 0; i < 3; i += 1) expect(await on(i, '10.9.3.2', 'POST', '/v1/notify/ca_nothing', undefined, '{}')).not.toBe(429);
  });
});

describe('key invalidation across three API processes', () => {
  it('a key revoked through one process is refused by the two others on their very next request, though warm in their caches', async () => {
    const created = await processes[0]!.app.inject({
      method: 'POST',
      url: '/v1/api_keys',
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json', 'idempotency-key': 'three-nodes-key' },
      payload: JSON.stringify({ kind: 'secret' }),
      remoteAddress: '10.9.4.1',
    });
    expect(created.statusCode).toBe(200);
    const key = created.json() as { id: string; secret: string };
    // Warm in every process's cache.
    for (let i = 0; i < 6; i += 1) expect(await on(i, '10.9.4.1', 'GET', '/v1/payments?limit=1', key.secret)).toBe(200);
    const revoked = await processes[1]!.app.inject({
      method: 'POST',
      url: `/v1/api_keys/${key.id}/revoke`,
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json', 'idempotency-key': 'three-nodes-revoke' },
      payload: '{}',
      remoteAddress: '10.9.4.1',
    });
    expect(revoked.statusCode).toBe(200);
    for (const i of [2, 0, 1]) expect(await on(i, '10.9.4.1', 'GET', '/v1/payments?limit=1', key.secret)).toBe(401);
  });
});
