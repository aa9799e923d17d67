/**
 * What a rate limit shared through PostgreSQL costs per request: takes on one
 * key with a statement for every take (batch 1) and with the default batch
 * (a tenth of a second's worth of tokens per statement), against the
 * in-memory limiter. Prints figures; never passes or fails on time.
 *
 *   DATABASE_URL=postgres://… node bench/shared-rate-limit.ts
 */
import { createRateLimiter } from '../src/domain/rate-limit.ts';
import { createSharedRateLimiter } from '../src/flows/rate-limits/shared-rate-limiter.ts';
import { openDatabase } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const handle = openDatabase(url, { poolSize: 4 });
await migrateToLatest(handle.db);
const clock = { nowMs: () => Date.now() };
const takes = 5_000;
const ratePerSecond = 1_000_000; // never refuses: what is measured is the cost of asking

async function measure(name: string, take: (key: string) => number | Promise<number>): Promise<void> {
  const key = `bench_${name}_${Date.now()}`;
  const started = performance.now();
  for (let i = 0; i < takes; i += 1) await take(key);
  const elapsedMs = performance.now() - started;
  console.log(`${name.padEnd(28)} ${((elapsedMs * 1000) / takes).toFixed(1).padStart(8)} µs per take`);
}

try {
  const local = createRateLimiter(clock, ratePerSecond, ratePerSecond * 2);
  await measure('in memory', (key) => local.take(key));
  const everyTake = createSharedRateLimiter({ db: handle.db, clock, name: 'bench1', ratePerSecond, burst: ratePerSecond * 2, batch: 1 });
  await measure('shared, batch 1', (key) => everyTake.take(key));
  for (const batch of [10, 100]) {
    const batched = createSharedRateLimiter({ db: handle.db, clock, name: `bench${batch}`, ratePerSecond, burst: ratePerSecond * 2, batch });
    await measure(`shared, batch ${batch}`, (key) => batched.take(key));
  }
} finally {
  await handle.close();
}
