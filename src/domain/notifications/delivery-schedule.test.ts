import { describe, expect, it } from 'vitest';
import { seededRandom } from '../clock.ts';
import { nextAttemptAt, retryDelayMs, webhookRetryRule } from './delivery-schedule.ts';

describe('retry schedule', () => {
  it('backs off exponentially with jitter between half and all of the backoff, up to the cap', () => {
    const random = seededRandom(42);
    for (const [attempt, backoff] of [[1, 30_000], [2, 60_000], [5, 480_000], [20, 6 * 3600_000]] as const) {
      for (let i = 0; i < 50; i += 1) {
        const delay = retryDelayMs(webhookRetryRule, attempt, random);
        expect(delay).toBeGreaterThanOrEqual(backoff / 2);
        expect(delay).toBeLessThanOrEqual(backoff);
      }
    }
    const spread = new Set(Array.from({ length: 20 }, () => retryDelayMs(webhookRetryRule, 3, random)));
    expect(spread.size).toBeGreaterThan(10);
  });

  it('keeps trying for at least 3 days, then stops', () => {
    const random = seededRandom(7);
    const start = Date.parse('2026-11-22T00:00:00Z');
    let now = start;
    let attempt = 1;
    for (;;) {
      const next = nextAttemptAt(webhookRetryRule, attempt, start, now, random);
      if (!next) break;
      now = next.getTime();
      attempt += 1;
    }
    expect(now - start).toBeGreaterThanOrEqual(3 * 24 * 3600_000);
    expect(attempt).toBeLessThan(webhookRetryRule.attemptsMax);
    expect(attempt).toBeGreaterThan(10);
  });
});
