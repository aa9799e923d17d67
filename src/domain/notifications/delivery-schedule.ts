/**
 * When to try a webhook or a message again: exponential backoff with jitter,
 * for as long as its retry window lasts. The window, not a count, decides
 * when to give up, so a receiver that is down for a weekend still gets every
 * event once it is back; the attempt bound only guards against a bug in the
 * schedule.
 */
import { assert } from '../assert.ts';
import type { RandomSource } from '../clock.ts';
import { limits } from '../limits.ts';

export interface RetryRule {
  firstDelayMs: number;
  delayMaxMs: number;
  windowMs: number;
  attemptsMax: number;
}

export const webhookRetryRule: RetryRule = {
  firstDelayMs: 30_000,
  delayMaxMs: 6 * 60 * 60 * 1000,
  windowMs: limits.webhookRetryWindowMs,
  attemptsMax: limits.webhookAttemptsMax,
};

export const messageRetryRule: RetryRule = {
  firstDelayMs: 30_000,
  delayMaxMs: 60 * 60 * 1000,
  windowMs: limits.messageRetryWindowMs,
  attemptsMax: limits.messageAttemptsMax,
};

/**
 * The wait after the `attempt`-th failure (1 = the first): the backoff
 * doubles each time up to its cap, and the wait is drawn between half of it
 * and all of it ("equal jitter"), so receivers recovering from an outage are
 * not hit by every sender at the same instant.
 */
export function retryDelayMs(rule: RetryRule, attempt: number, random: RandomSource): number {
  assert(Number.isInteger(attempt) && attempt >= 1, 'attempts count from 1');
  const backoff = Math.min(rule.delayMaxMs, rule.firstDelayMs * 2 ** Math.min(attempt - 1, 30));
  const fraction = random.bytes(4).readUInt32BE(0) / 0x1_0000_0000;
  return Math.floor(backoff / 2 + (backoff / 2) * fraction);
}

/** The next try's time, or null when the window (counted from the first try) or the attempt bound is spent. */
export function nextAttemptAt(rule: RetryRule, attempt: number, firstAttemptAtMs: number, nowMs: number, random: RandomSource): Date | null {
  if (attempt >= rule.attemptsMax) return null;
  const next = nowMs + retryDelayMs(rule, attempt, random);
  if (nowMs - firstAttemptAtMs >= rule.windowMs) return null;
  // The last try lands at the end of the window rather than past it.
  return new Date(Math.min(next, firstAttemptAtMs + rule.windowMs));
}

// With these numbers, a receiver down for the whole window is tried about 20 times over more than 3 days.
assert(webhookRetryRule.windowMs >= 3 * 24 * 60 * 60 * 1000, 'webhooks are retried for at least 3 days');
assert(
  (() => {
    let total = 0;
    for (let attempt = 1; attempt < webhookRetryRule.attemptsMax; attempt += 1) {
      total += Math.min(webhookRetryRule.delayMaxMs, webhookRetryRule.firstDelayMs * 2 ** (attempt - 1)) / 2;
    }
    return total >= webhookRetryRule.windowMs;
  })(),
  'the attempt bound outlasts the retry window even with the shortest jitter',
);
