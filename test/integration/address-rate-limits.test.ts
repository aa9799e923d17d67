/**
 * Limits per client address on what has no key to limit: failed
 * authentication (refused before any database lookup once over), the payer's
 * pages and order API, and provider notifications. Each class has its own
 * buckets, and one address never spends another's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 3));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock, addressRateLimits: { authFailuresPerMinute: 5, payerRequestsPerMinute: 3, notificationsPerMinute: 4 } });
});
afterAll(async () => stack?.close());

const badKey = `sk_test_${'x'.repeat(32)}`;

async function from(address: string, method: 'GET' | 'POST', url: string, key?: string, payload?: string) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const answer = await stack.app.inject({ method, url, headers, payload, remoteAddress: address });
  return { status: answer.statusCode, retryAfter: answer.headers['retry-after'], body: answer.body };
}

function expectLimited(answer: { status: number; retryAfter: unknown; body: string }) {
  expect(answer.status).toBe(429);
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(JSON.parse(answer.body).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
}

describe('failed authentication, per address', () => {
  it('counts each bad key against its address; once over, the address is refused before any lookup, even with a valid key not yet cached', async () => {
    for (let i = 0; i < 5; i += 1) expect((await from('10.1.0.1', 'GET', '/v1/payments', badKey)).status).toBe(401);
    expectLimited(await from('10.1.0.1', 'GET', '/v1/payments', badKey));
    // A missing key is a failure too.
    expectLimited(await from('10.1.0.1', 'GET', '/v1/payments'));

    // A key that works but was never looked up: refused without a lookup, which is what shows there was none.
    const fresh = await stack.api('POST', '/v1/api_keys', { kind: 'secret' });
    expectLimited(await from('10.1.0.1', 'GET', '/v1/payments?limit=1', fresh.body.secret));

    // Another address is not touched: its valid key works, its bad key is a plain 401.
    expect((await from('10.1.0.2', 'GET', '/v1/payments?limit=1', fresh.body.secret)).status).toBe(200);
    expect((await from('10.1.0.2', 'GET', '/v1/payments', badKey)).status).toBe(401);

    // A key already found valid (cached) costs nothing to check and still passes from the limited address.
    expect((await from('10.1.0.1', 'GET', '/v1/payments?limit=1', fresh.body.secret)).status).toBe(200);

    // A minute later the bucket has refilled.
    clock.advanceMs(60_000);
    expect((await from('10.1.0.1', 'GET', '/v1/payments', badKey)).status).toBe(401);
  });

  it('a successful request does not count as a failure', async () => {
    for (let i = 0; i < 12; i += 1) expect((await from('10.1.0.3', 'GET', '/v1/payments?limit=1', stack.secretKey)).status).toBe(200);
  });
});

describe('unauthenticated routes, per address', () => {
  it('limits the payer’s order API and checkout page together, per address', async () => {
    expect((await from('10.2.0.1', 'GET', '/v1/orders/pay_nothing?token=x')).status).not.toBe(429);
    expect((await from('10.2.0.1', 'POST', '/v1/orders/pay_nothing/after_sales_requests?token=x', undefined, '{"kind":"refund","reason":"r"}')).status).not.toBe(429);
    expect((await from('10.2.0.1', 'GET', '/checkout/pay_nothing')).status).toBe(404);
    expectLimited(await from('10.2.0.1', 'GET', '/checkout/pay_nothing'));
    expectLimited(await from('10.2.0.1', 'GET', '/v1/orders/pay_nothing?token=x'));
    expect((await from('10.2.0.2', 'GET', '/checkout/pay_nothing')).status).toBe(404);
  });

  it('limits a flood of provider notifications from one address without starving the provider’s own address', async () => {
    for (let i = 0; i < 4; i += 1) expect((await from('10.3.0.1', 'POST', '/v1/notify/ca_nothing', undefined, '{}')).status).not.toBe(429);
    expectLimited(await from('10.3.0.1', 'POST', '/v1/notify/ca_nothing', undefined, '{}'));
    expect((await from('10.3.0.2', 'POST', '/v1/notify/ca_nothing', undefined, '{}')).status).not.toBe(429);
  });

  it('keeps each class apart: an address that spent its payer budget can still deliver notifications and fail to authenticate', async () => {
    for (let i = 0; i < 3; i += 1) await from('10.4.0.1', 'GET', '/checkout/pay_nothing');
    expectLimited(await from('10.4.0.1', 'GET', '/checkout/pay_nothing'));
    expect((await from('10.4.0.1', 'POST', '/v1/notify/ca_nothing', undefined, '{}')).status).not.toBe(429);
    expect((await from('10.4.0.1', 'GET', '/v1/payments', badKey)).status).toBe(401);
  });
});

describe('behind a proxy (TRUST_PROXY)', () => {
  it('limits by the address X-Forwarded-For names when the proxy is trusted, and by the proxy’s own when it is not', async () => {
    const limitsForTest = { authFailuresPerMinute: 2, payerRequestsPerMinute: 0, notificationsPerMinute: 0 };
    const trusting = await buildApp({ context: stack.context, logLevel: 'silent', addressRateLimits: limitsForTest, trustProxy: ['10.5.0.1'] });
    const untrusting = await buildApp({ context: stack.context, logLevel: 'silent', addressRateLimits: limitsForTest });
    try {
      const fail = (app: typeof trusting, client: string) =>
        app.inject({ method: 'GET', url: '/v1/payments', headers: { authorization: `Bearer ${badKey}`, 'x-forwarded-for': client }, remoteAddress: '10.5.0.1' });
      for (const app of [trusting, untrusting]) for (let i = 0; i < 2; i += 1) expect((await fail(app, '198.51.100.1')).statusCode).toBe(401);
      expect((await fail(trusting, '198.51.100.1')).statusCode).toBe(429);
      expect((await fail(trusting, '198.51.100.2')).statusCode).toBe(401);
      // Untrusted, every client is the proxy: one client's failures spend them all.
      expect((await fail(untrusting, '198.51.100.2')).statusCode).toBe(429);
    } finally {
      await trusting.close();
      await untrusting.close();
    }
  });
});
