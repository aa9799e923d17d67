/**
 * The per-key rate limit held by two API processes together
 * (flows/rate-limits/shared-rate-limiter.ts): each draws tokens from one
 * bucket in PostgreSQL a batch at a time, so requests spread over both never
 * get more than the one limit, where limits of their own would each let the
 * whole burst through.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.ts';
import { sql } from 'kysely';
import { limits } from '../../src/domain/limits.ts';
import { forgetIdleRateLimitBuckets } from '../../src/flows/rate-limits/forget-idle-buckets.ts';
import { createSharedRateLimiter } from '../../src/flows/rate-limits/shared-rate-limiter.ts';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/routes/route-kit.ts';
import { createFlowContext } from '../../src/runtime.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { createMerchant } from '../../src/flows/merchants/create-merchant.ts';
import { testMasterKey } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 4));
const ratePerSecond = 50; // bursts of 100, drawn 5 at a time
const processes: { app: App; db: DatabaseHandle; url: string }[] = [];
let secretKey: string;

beforeAll(async () => {
  for (let i = 0; i < 2; i += 1) {
    const db = openDatabase(inject('databaseUrl'), { poolSize: 4 });
    const context = createFlowContext({ db: db.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0', clock });
    const app = await buildApp({ context, logLevel: 'silent', rateLimitPerSecond: ratePerSecond, sharedRateLimits: true });
    processes.push({ app, db, url: await app.listen({ host: '127.0.0.1', port: 0 }) });
    if (i === 0) secretKey = (await createMerchant(context, { name: 'Shared limit' })).keys.secret_test;
  }
});
afterAll(async () => {
  for (const process of processes) {
    await process.app.close();
    await process.db.close();
  }
});

async function list(process: { url: string }): Promise<number> {
  const answer = await fetch(`${process.url}/v1/payments?limit=1`, { headers: { authorization: `Bearer ${secretKey}` }, signal: AbortSignal.timeout(10_000) });
  await answer.arrayBuffer();
  return answer.status;
}

describe('a rate limit shared by two API processes', () => {
  it('lets through the burst of one limit, not of two, to requests spread over both processes', async () => {
    const statuses: number[] = [];
    // The clock stands still: nothing refills, so exactly the burst (2 × 50) may pass.
    for (let i = 0; i < 140; i += 1) statuses.push(await list(processes[i % 2]!));
    expect(statuses.filter((status) => status === 200)).toHaveLength(2 * ratePerSecond);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
    expect(statuses.slice(0, 100).every((status) => status === 200)).toBe(true);
    // A second later the bucket has refilled by the rate: both processes serve again, 50 between them.
    clock.advanceMs(1_000);
    const after: number[] = [];
    for (let i = 0; i < 80; i += 1) after.push(await list(processes[i % 2]!));
    expect(after.filter((status) => status === 200).length).toBeLessThanOrEqual(ratePerSecond);
    expect(after.filter((status) => status === 200).length).toBeGreaterThanOrEqual(ratePerSecond - 5);
  });

  it('never gives more than the bucket holds to many takers racing from two processes', async () => {
    const limiters = processes.map((process) => createSharedRateLimiter({ db: process.db.db, clock, name: 'race', ratePerSecond: 10, burst: 20, batch: 3 }));
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => limiters[i % 2]!.take('key_race')));
    const allowed = answers.filter((wait) => wait === 0).length;
    expect(allowed).toBeLessThanOrEqual(20);
    // Takers arriving together share one draw per round, so a simultaneous burst gets less than the bucket holds, never more.
    expect(allowed).toBeGreaterThanOrEqual(2 * 3);
  });

  it('forgets buckets idle for longer than any refill takes, and keeps those in use', async () => {
    const db = processes[0]!.db.db;
    const idle = createSharedRateLimiter({ db, clock, name: 'idle', ratePerSecond: 1, burst: 2, batch: 1 });
    expect(await idle.take('key_idle')).toBe(0);
    clock.advanceMs(limits.rateLimitBucketIdleMs + 1_000);
    const busy = createSharedRateLimiter({ db, clock, name: 'busy', ratePerSecond: 1, burst: 2, batch: 1 });
    expect(await busy.take('key_busy')).toBe(0);
    const buckets = async () => (await sql<{ bucket: string }>`select bucket from rate_limit_buckets where bucket in ('idle:key_idle', 'busy:key_busy')`.execute(db)).rows.map((r) => r.bucket);
    expect((await buckets()).sort()).toEqual(['busy:key_busy', 'idle:key_idle']);
    expect(await forgetIdleRateLimitBuckets({ db, clock })).toBeGreaterThanOrEqual(1);
    expect(await buckets()).toEqual(['busy:key_busy']);
    // Forgotten means full: the whole burst again, as the bucket itself would have held by now.
    const fresh = createSharedRateLimiter({ db, clock, name: 'idle', ratePerSecond: 1, burst: 2, batch: 1 });
    expect([await fresh.take('key_idle'), await fresh.take('key_idle')]).toEqual([0, 0]);
    expect(await fresh.take('key_idle')).toBeGreaterThan(0);
  });
});
