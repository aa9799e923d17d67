/**
 * A token bucket per key (an API key, or a client's address): `ratePerSecond`
 * sustained, bursts up to `burst`. In memory and per process: what a single
 * process and the tests use. `paypilot serve` uses the same limits held by
 * every API process together, in PostgreSQL
 * (flows/rate-limits/shared-rate-limiter.ts).
 */
import { assert } from './assert.ts';
import type { Clock } from './clock.ts';

export interface RateLimiter {
  /** Takes one token; answers 0 when allowed, else the seconds until one is free. */
  take(key: string): number;
  /** Like `take`, without taking: 0 when a token is free, else the seconds until one is. */
  peek(key: string): number;
}

const bucketsMax = 100_000;

export function createRateLimiter(clock: Clock, ratePerSecond: number, burst: number): RateLimiter {
  assert(ratePerSecond > 0 && burst >= 1, 'a rate limit needs a positive rate and a burst of at least one');
  const buckets = new Map<string, { tokens: number; updatedMs: number }>();
  const refilled = (key: string) => {
    const nowMs = clock.nowMs();
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= bucketsMax) buckets.delete(buckets.keys().next().value as string);
      bucket = { tokens: burst, updatedMs: nowMs };
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * ratePerSecond);
    bucket.updatedMs = nowMs;
    return bucket;
  };
  const waitSeconds = (tokens: number) => Math.max(1, Math.ceil((1 - tokens) / ratePerSecond));
  return {
    take(key) {
      const bucket = refilled(key);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return waitSeconds(bucket.tokens);
    },
    peek(key) {
      const bucket = refilled(key);
      return bucket.tokens >= 1 ? 0 : waitSeconds(bucket.tokens);
    },
  };
}

/** A bucket holding `perMinute` tokens, refilled evenly over a minute. */
export function createPerMinuteLimiter(clock: Clock, perMinute: number): RateLimiter {
  return createRateLimiter(clock, perMinute / 60, perMinute);
}
