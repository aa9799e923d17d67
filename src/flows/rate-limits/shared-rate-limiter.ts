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
 * A key found empty is refused in this process, without a statement, until
 * the bucket holds a whole token again at its rate (what another process
 * spent meanwhile only makes that later, never sooner): a flood from one key
 * costs the database one statement per token interval, not one per request.
 *
 * Draws for one key in one process are chained, so a burst of requests makes
 * one statement, not one each.
 */
import { assert } from '../../domain/assert.ts';
import type { Clock } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import type { Db } from '../../store/database.ts';
import { drawTokens, peekTokens } from '../../store/rate-limits.ts';

export interface SharedRateLimiter {
  /** Takes one token; answers 0 when allowed, else the seconds until one is free. */
  take(key: string): Promise<number>;
  /** Like `take`, without taking: 0 when a token is free, else the seconds until one is. */
  peek(key: string): Promise<number>;
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

interface Allowance {
  tokens: number;
  expiresAtMs: number;
  /** Until then the shared bucket is known to hold no whole token. */
  emptyUntilMs: number;
  draw: Promise<void> | null;
}

const allowancesMax = 100_000;

export function createSharedRateLimiter(options: SharedRateLimitOptions): SharedRateLimiter {
  const { ratePerSecond, burst, clock } = options;
  const batch = options.batch ?? Math.max(1, Math.min(Math.floor(burst), Math.ceil(ratePerSecond / 10)));
  const lifetimeMs = options.allowanceLifetimeMs ?? 1_000;
  assert(ratePerSecond > 0 && burst >= 1 && batch >= 1 && batch <= burst, 'a shared rate limit needs a positive rate, a burst of at least one and a batch within it');
  // A bucket idle this long is full again, so forgetting it (store/rate-limits.ts) changes nothing.
  assert((burst / ratePerSecond) * 1000 <= limits.rateLimitBucketIdleMs, 'a shared bucket refills fully before it may be forgotten');
  const allowances = new Map<string, Allowance>();
  const bucketOf = (key: string) => ({ bucket: `${options.name}:${key}`, ratePerSecond, burst });
  /** Milliseconds until a bucket holding `tokensLeft` holds a whole token. */
  const refillMs = (tokensLeft: number) => Math.max(1, Math.ceil(((1 - Math.min(1, tokensLeft)) / ratePerSecond) * 1000));
  const retryAfterSeconds = (allowance: Allowance) => Math.max(1, Math.ceil((allowance.emptyUntilMs - clock.nowMs()) / 1000));

  const allowanceOf = (key: string) => {
    let allowance = allowances.get(key);
    if (!allowance) {
      if (allowances.size >= allowancesMax) allowances.delete(allowances.keys().next().value as string);
      allowance = { tokens: 0, expiresAtMs: 0, emptyUntilMs: 0, draw: null };
      allowances.set(key, allowance);
    }
    return allowance;
  };

  const draw = async (key: string, allowance: Allowance) => {
    const nowMs = clock.nowMs();
    const drawn = await drawTokens(options.db, { ...bucketOf(key), batch, now: new Date(nowMs) });
    allowance.tokens = drawn.granted;
    allowance.expiresAtMs = nowMs + lifetimeMs;
    if (drawn.granted === 0) allowance.emptyUntilMs = nowMs + refillMs(drawn.tokensLeft);
  };

  return {
    async take(key) {
      const allowance = allowanceOf(key);
      for (let round = 0; round < 2; round += 1) {
        if (allowance.emptyUntilMs > clock.nowMs()) return retryAfterSeconds(allowance);
        if (allowance.tokens >= 1 && allowance.expiresAtMs > clock.nowMs()) {
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
      return allowance.emptyUntilMs > clock.nowMs() ? retryAfterSeconds(allowance) : Math.max(1, Math.ceil(1 / ratePerSecond));
    },
    async peek(key) {
      const allowance = allowanceOf(key);
      const nowMs = clock.nowMs();
      if (allowance.emptyUntilMs > nowMs) return retryAfterSeconds(allowance);
      if (allowance.tokens >= 1 && allowance.expiresAtMs > nowMs) return 0;
      const tokens = await peekTokens(options.db, { ...bucketOf(key), now: new Date(nowMs) });
      if (tokens >= 1) return 0;
      allowance.emptyUntilMs = nowMs + refillMs(tokens);
      return retryAfterSeconds(allowance);
    },
  };
}
