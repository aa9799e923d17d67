import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { createPerMinuteLimiter, createRateLimiter } from './rate-limit.ts';

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

  it('peeks without taking: an empty bucket answers its wait, a full one 0, and peeking spends nothing', () => {
    const clock = new ManualClock();
    const limiter = createRateLimiter(clock, 1, 2);
    expect([1, 2, 3].map(() => limiter.peek('addr'))).toEqual([0, 0, 0]);
    expect([1, 2].map(() => limiter.take('addr'))).toEqual([0, 0]);
    expect(limiter.peek('addr')).toBe(1);
    clock.advanceMs(1_000);
    expect(limiter.peek('addr')).toBe(0);
    expect(limiter.take('addr')).toBe(0);
  });

  it('a per-minute limiter holds that many, refilled evenly over the minute', () => {
    const clock = new ManualClock();
    const limiter = createPerMinuteLimiter(clock, 30);
    expect(Array.from({ length: 30 }, () => limiter.take('addr')).every((wait) => wait === 0)).toBe(true);
    expect(limiter.take('addr')).toBe(2);
    clock.advanceMs(2_000);
    expect(limiter.take('addr')).toBe(0);
    expect(limiter.take('addr')).toBe(2);
  });
});
