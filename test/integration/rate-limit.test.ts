/** The rate limiter answers 429 with Retry-After, per key, before anything is executed or stored. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 1));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, rateLimitPerSecond: 5 });
});
afterAll(async () => stack?.close());

describe('rate limiting', () => {
  it('refuses requests past the burst with rate_limited and Retry-After, and does not store their idempotency key', async () => {
    const answers = [];
    for (let i = 0; i < 12; i += 1) answers.push(await stack.api('GET', '/v1/payments?limit=1'));
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(10);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
    expect(Number(limited[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const refused = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' }, { headers: { 'idempotency-key': 'limited-1' } });
    expect(refused.status).toBe(429);
    clock.advanceMs(10_000);
    const accepted = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' }, { headers: { 'idempotency-key': 'limited-1' } });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('idempotent-replayed')).toBeNull();
  });

  it('limits each key on its own', async () => {
    clock.advanceMs(10_000);
    for (let i = 0; i < 10; i += 1) await stack.api('GET', '/v1/payments?limit=1');
    expect((await stack.api('GET', '/v1/payments?limit=1')).status).toBe(429);
    const other = await stack.newMerchant();
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: other.secretKey })).status).toBe(200);
  });
});
