/**
 * A rate limit that holds across API processes: the tokens live in a shared
 * bucket in PostgreSQL (store/rate-limits.ts), and each process draws them a
 * batch at a time into a local allowance, so a statement is paid once per
 * `batch` requests, not per request. A token is only ever spent after it was
 * drawn from the shared bucket, so however many processes there are, the
 * limit is never exceeded; what a process drew and did not spend within
 * `allowanceLifetimeMs` is dropped (the cost: a little below the limit, never
 * above it).
 *
 * Draws for one key in one process are chained, so a burst of requests makes
 * one statement, not one each.
 */
import { assert } from '../../domain/assert.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Db } from '../../store/database.ts';
import { drawTokens } from '../../store/rate-limits.ts';

export interface SharedRateLimiter {
  /** Takes one token; answers 0 when allowed, else the seconds until one is free. */
  take(key: string): Promise<number>;
}

export interface SharedRateLimitOptions {
  db: Db;
  clock: Clock;
  /** Names the limit, so two limits on the same key have buckets of their own. */
  name: string;
  ratePerSecond: number;
  burst: number;
  /** Tokens drawn per statement; by default a tenth of a second's worth. */
  batch?: number;
  allowanceLifetimeMs?: number;
}

const allowancesMax = 100_000;

export function createSharedRateLimiter(options: SharedRateLimitOptions): SharedRateLimiter {
  const { ratePerSecond, burst } = options;
  const batch = options.batch ?? Math.max(1, Math.min(Math.floor(burst), Math.ceil(ratePerSecond / 10)));
  const lifetimeMs = options.allowanceLifetimeMs ?? 1_000;
  assert(ratePerSecond > 0 && burst >= 1 && batch >= 1 && batch <= burst, 'a shared rate limit needs a positive rate, a burst of at least one and a batch within it');
  const allowances = new Map<string, { tokens: number; expiresAtMs: number; draw: Promise<void> | null }>();
  const waitSeconds = Math.max(1, Math.ceil(1 / ratePerSecond));

  const allowanceOf = (key: string) => {
    let allowance = allowances.get(key);
    if (!allowance) {
      if (allowances.size >= allowancesMax) allowances.delete(allowances.keys().next().value as string);
      allowance = { tokens: 0, expiresAtMs: 0, draw: null };
      allowances.set(key, allowance);
    }
    return allowance;
  };

  const draw = async (key: string, allowance: { tokens: number; expiresAtMs: number }) => {
    const nowMs = options.clock.nowMs();
    const granted = await drawTokens(options.db, { bucket: `${options.name}:${key}`, ratePerSecond, burst, batch, now: new Date(nowMs) });
    allowance.tokens = granted;
    allowance.expiresAtMs = nowMs + lifetimeMs;
  };

  return {
    async take(key) {
      const allowance = allowanceOf(key);
      for (let round = 0; round < 2; round += 1) {
        if (allowance.tokens >= 1 && allowance.expiresAtMs > options.clock.nowMs()) {
          allowance.tokens -= 1;
          return 0;
        }
        // One draw at a time per key: requests arriving meanwhile share its result.
        if (!allowance.draw) {
          allowance.tokens = 0;
          allowance.draw = draw(key, allowance).finally(() => {
            allowance.draw = null;
          });
        }
        await allowance.draw;
      }
      return waitSeconds;
    },
  };
}
