import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { createRateLimiter } from './rate-limit.ts';

describe('rate limiter', () => {
  it('allows a burst, then refuses with the seconds to wait, then refills at the rate', () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter(clock, 2, 4);
    expect([1, 2, 3, 4].map(() => limiter.take('key_a'))).toEqual([0, 0, 0, 0]);
    expect(limiter.take('key_a')).toBe(1);
    clock.advanceMs(500);
    expect(limiter.take('key_a')).toBe(0);
    expect(limiter.take('key_a')).toBe(1);
  });

  it('keeps one bucket per key', () => {
    const limiter = createRateLimiter(new ManualClock(), 1, 1);
    expect(limiter.take('key_a')).toBe(0);
    expect(limiter.take('key_a')).toBe(1);
    expect(limiter.take('key_b')).toBe(0);
  });

  it('never fills beyond the burst however long it waits', () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter(clock, 10, 3);
    clock.advanceMs(3_600_000);
    expect([1, 2, 3, 4].map(() => limiter.take('key_a'))).toEqual([0, 0, 0, 1]);
  });
});
