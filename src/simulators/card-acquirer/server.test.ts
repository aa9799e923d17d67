/**
 * The simulated acquirer's protocol, spoken directly over HTTP: what a real
 * acquirer would answer, what it stores under an idempotency key, and how its
 * faults behave. The card connector's tests cover the same server through the
 * connector.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock.ts';
import { startCardAcquirer } from './server.ts';
import type { CardAcquirer } from './server.ts';

const apiKey = 'sk_test_acquirer';
const otherApiKey = 'sk_test_acquirer_other';

let acquirer: CardAcquirer;

beforeAll(async () => {
  acquirer = await startCardAcquirer({ apiKeys: [apiKey, otherApiKey], clock: new ManualClock(Date.UTC(2026, 5, 15)) });
});

afterAll(async () => {
  await acquirer.close();
});

beforeEach(() => {
  acquirer.reset();
});

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: Record<string, unknown> | null };
  replayed: boolean;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; key?: string | null; apiKey?: string | null; base?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const bearer = options.apiKey === undefined ? apiKey : options.apiKey;
  if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
  if (options.key !== undefined && options.key !== null) headers['Idempotency-Key'] = options.key;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${options.base ?? acquirer.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Answer['body'],
    replayed: response.headers.get('idempotent-replayed') === 'true',
  };
}

function authorizationBody(number = '4242424242424242', overrides: Record<string, unknown> = {}) {
  return { amount: 1000, currency: 'USD', capture: false, card: { number, exp_month: 12, exp_year: 2030, cvc: '123' }, ...overrides };
}

async function authorize(number = '4242424242424242', overrides: Record<string, unknown> = {}): Promise<Answer> {
  return call('POST', '/v1/authorizations', { key: randomUUID(), body: authorizationBody(number, overrides) });
}

describe('authentication and validation', () => {
  it('refuses a request without a valid Bearer key and does nothing', async () => {
    for (const bearer of [null, 'sk_unknown']) {
      const answer = await call('POST', '/v1/authorizations', { apiKey: bearer, key: randomUUID(), body: authorizationBody() });
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({ type: 'authentication_error' });
    }
    expect(acquirer.stats().authorizations_created).toBe(0);
  });

  it('requires an Idempotency-Key to authorize', async () => {
    const answer = await call('POST', '/v1/authorizations', { body: authorizationBody() });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'parameter_missing', param: 'Idempotency-Key' });
    expect(acquirer.stats().authorizations_created).toBe(0);
  });

  it.each([
    ['month 13', { card: { number: '4242424242424242', exp_month: 13, exp_year: 2030, cvc: '123' } }, 'card[exp_month]'],
    ['a two-digit CVC', { card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '12' } }, 'card[cvc]'],
    ['an amount sent as a string', { amount: '1000' }, 'amount'],
    ['a fractional amount', { amount: 10.5 }, 'amount'],
  ])('refuses %s as parameter_invalid, creating nothing', async (_name, overrides, param) => {
    const answer = await call('POST', '/v1/authorizations', { key: randomUUID(), body: authorizationBody('4242424242424242', overrides) });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'parameter_invalid', param });
    expect(acquirer.stats().authorizations_created).toBe(0);
  });

  it('refuses an unknown parameter', async () => {
    const answer = await call('POST', '/v1/authorizations', { key: randomUUID(), body: authorizationBody('4242424242424242', { tip: 5 }) });
    expect(answer.body.error).toMatchObject({ code: 'parameter_unknown', param: 'tip' });
  });
});

describe('authorizations', () => {
  it('answers the authorization object, without the card number', async () => {
    const answer = await authorize('5555555555554444', { capture: true });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: expect.stringMatching(/^auth_[0-9a-f]{24}$/),
      object: 'authorization',
      status: 'captured',
      amount: 1000,
      amount_captured: 1000,
      currency: 'USD',
      idempotency_key: expect.any(String),
      card: { brand: 'mastercard', last4: '4444' },
      error: null,
    });
    expect(JSON.stringify(answer.body)).not.toContain('5555555555554444');
  });

  it('answers a decline as a 200 declined authorization with its error', async () => {
    const answer = await authorize('4000000000009995');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'declined',
      amount_captured: 0,
      error: { code: 'card_declined', decline_code: 'insufficient_funds' },
    });
  });

  it('answers processing_error as 402 and keeps nothing under the key', async () => {
    const key = randomUUID();
    const first = await call('POST', '/v1/authorizations', { key, body: authorizationBody('4000000000000119') });
    expect(first.status).toBe(402);
    expect(first.body.error).toMatchObject({ code: 'processing_error' });
    // Not stored: the same key runs again (and may carry another card).
    const again = await call('POST', '/v1/authorizations', { key, body: authorizationBody('4242424242424242') });
    expect(again).toMatchObject({ status: 200, replayed: false, body: { status: 'authorized' } });
    expect(acquirer.stats().authorizations_created).toBe(1);
  });

  it('finds an authorization by id and by idempotency key, for its own account only', async () => {
    const key = randomUUID();
    const created = await call('POST', '/v1/authorizations', { key, body: authorizationBody() });
    const id = String(created.body.id);
    expect((await call('GET', `/v1/authorizations/${id}`)).body).toEqual(created.body);
    expect((await call('GET', `/v1/authorizations?idempotency_key=${key}`)).body).toEqual(created.body);
    const foreign = await call('GET', `/v1/authorizations/${id}`, { apiKey: otherApiKey });
    expect(foreign).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
    expect((await call('GET', `/v1/authorizations?idempotency_key=${key}`, { apiKey: otherApiKey })).status).toBe(404);
  });

  it('answers resource_missing for an unknown id or key, and route_unknown for an unknown path', async () => {
    expect((await call('GET', '/v1/authorizations/auth_missing')).body.error).toMatchObject({ code: 'resource_missing' });
    expect((await call('GET', '/v1/authorizations?idempotency_key=missing')).body.error).toMatchObject({ code: 'resource_missing' });
    const unknownPath = await call('GET', '/v1/charges');
    expect(unknownPath.status).toBe(404);
    expect(unknownPath.body.error).toMatchObject({ code: 'route_unknown' });
  });
});

describe('idempotency', () => {
  it('replays the stored answer for the same key and body, creating nothing', async () => {
    const key = randomUUID();
    const first = await call('POST', '/v1/authorizations', { key, body: authorizationBody() });
    const second = await call('POST', '/v1/authorizations', { key, body: authorizationBody() });
    expect(second).toEqual({ ...first, replayed: true });
    expect(acquirer.stats().authorizations_created).toBe(1);
  });

  it('replays a decline as the final answer for its key', async () => {
    const key = randomUUID();
    const first = await call('POST', '/v1/authorizations', { key, body: authorizationBody('4000000000000002') });
    const second = await call('POST', '/v1/authorizations', { key, body: authorizationBody('4000000000000002') });
    expect(second).toEqual({ ...first, replayed: true });
  });

  it('refuses the same key with another body', async () => {
    const key = randomUUID();
    await call('POST', '/v1/authorizations', { key, body: authorizationBody() });
    const other = await call('POST', '/v1/authorizations', { key, body: authorizationBody('4242424242424242', { amount: 1001 }) });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ type: 'idempotency_error' });
    expect(acquirer.stats().authorizations_created).toBe(1);
  });

  it('does not let the order of JSON keys make two requests differ', async () => {
    const key = randomUUID();
    const body = authorizationBody();
    await call('POST', '/v1/authorizations', { key, body });
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    expect((await call('POST', '/v1/authorizations', { key, body: reordered })).replayed).toBe(true);
  });

  it('answers 409 to the same key while the first request is still processed', async () => {
    acquirer.setFaults({ processingMs: 150 });
    const key = randomUUID();
    const answers = await Promise.all([
      call('POST', '/v1/authorizations', { key, body: authorizationBody() }),
      call('POST', '/v1/authorizations', { key, body: authorizationBody() }),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(acquirer.stats().authorizations_created).toBe(1);
  });

  it('keeps keys apart between accounts', async () => {
    const key = randomUUID();
    const mine = await call('POST', '/v1/authorizations', { key, body: authorizationBody() });
    const theirs = await call('POST', '/v1/authorizations', { key, body: authorizationBody(), apiKey: otherApiKey });
    expect(theirs.replayed).toBe(false);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });
});

describe('one-time code', () => {
  it('counts down attempts and declines after the third wrong code', async () => {
    const created = await authorize('4000002760003184');
    expect(created.body).toMatchObject({ status: 'requires_otp', error: null });
    const path = `/v1/authorizations/${String(created.body.id)}/otp`;
    const answers: Answer[] = [];
    for (const otp of ['1', '2', '3']) answers.push(await call('POST', path, { key: randomUUID(), body: { otp } }));
    expect(answers.map((answer) => [answer.body.status, answer.body.error?.attempts_remaining])).toEqual([
      ['requires_otp', 2],
      ['requires_otp', 1],
      ['declined', 0],
    ]);
    expect(answers[2]?.body.error).toMatchObject({ code: 'authentication_failed' });
    const tooLate = await call('POST', path, { key: randomUUID(), body: { otp: '000000' } });
    expect(tooLate.status).toBe(409);
    expect(acquirer.stats().charges_succeeded).toBe(0);
  });

  it('clears the error once the right code is given', async () => {
    const created = await authorize('4000002760003184', { capture: true });
    const path = `/v1/authorizations/${String(created.body.id)}/otp`;
    await call('POST', path, { key: randomUUID(), body: { otp: '111111' } });
    const right = await call('POST', path, { key: randomUUID(), body: { otp: '000000' } });
    expect(right.body).toMatchObject({ status: 'captured', amount_captured: 1000, error: null });
  });
});

describe('capture and void', () => {
  it('captures only from authorized, and only up to the authorized amount', async () => {
    const otp = await authorize('4000002760003184');
    expect((await call('POST', `/v1/authorizations/${String(otp.body.id)}/capture`, { body: { amount: 1000 } })).status).toBe(409);

    const path = `/v1/authorizations/${String((await authorize()).body.id)}/capture`;
    const over = await call('POST', path, { key: randomUUID(), body: { amount: 1001 } });
    expect(over).toMatchObject({ status: 400, body: { error: { code: 'amount_too_large' } } });
    const key = randomUUID();
    const captured = await call('POST', path, { key, body: { amount: 700 } });
    expect(captured.body).toMatchObject({ status: 'captured', amount: 1000, amount_captured: 700 });
    expect((await call('POST', path, { key, body: { amount: 700 } })).replayed).toBe(true);
    expect((await call('POST', path, { key: randomUUID(), body: { amount: 700 } })).status).toBe(409);
    expect(acquirer.stats()).toMatchObject({ captures: 1, charges_succeeded: 1 });
  });

  it('voids authorized, again without harm, but never a captured authorization', async () => {
    const path = `/v1/authorizations/${String((await authorize()).body.id)}/void`;
    expect((await call('POST', path)).body).toMatchObject({ status: 'voided' });
    expect((await call('POST', path)).body).toMatchObject({ status: 'voided' });
    const captured = await authorize('4242424242424242', { capture: true });
    expect((await call('POST', `/v1/authorizations/${String(captured.body.id)}/void`)).status).toBe(409);
  });
});

describe('refunds', () => {
  it('refunds up to what was captured; more fails with exceeds_captured', async () => {
    const captured = await authorize('4242424242424242', { capture: true });
    const refund = (amount: number, key = randomUUID()) =>
      call('POST', '/v1/refunds', { key, body: { authorization: captured.body.id, amount } });
    const key = randomUUID();
    const first = await refund(999, key);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^rf_[0-9a-f]{24}$/),
      object: 'refund',
      status: 'succeeded',
      amount: 999,
      authorization: captured.body.id,
      idempotency_key: key,
      failure_reason: null,
    });
    expect((await refund(999, key)).replayed).toBe(true);
    expect((await refund(2)).body).toMatchObject({ status: 'failed', failure_reason: 'exceeds_captured' });
    expect((await refund(1)).body).toMatchObject({ status: 'succeeded' });
    expect(acquirer.stats().refunds_succeeded).toBe(2);
    expect((await call('GET', `/v1/refunds?idempotency_key=${key}`)).body).toEqual(first.body);
    expect((await call('GET', `/v1/refunds/${String(first.body.id)}`)).body).toEqual(first.body);
  });

  it('requires a key and an existing authorization', async () => {
    expect((await call('POST', '/v1/refunds', { body: { authorization: 'auth_x', amount: 1 } })).status).toBe(400);
    const missing = await call('POST', '/v1/refunds', { key: randomUUID(), body: { authorization: 'auth_x', amount: 1 } });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'resource_missing', param: 'authorization' } } });
    expect((await call('GET', '/v1/refunds?idempotency_key=none')).status).toBe(404);
  });
});

describe('faults and control', () => {
  it('counts requests, and reset() forgets objects, counters and faults', async () => {
    const created = await authorize();
    acquirer.setFaults({ latencyMs: 1 });
    expect(acquirer.stats()).toMatchObject({ requests: 1, authorizations_created: 1 });
    const stats = await fetch(`${acquirer.url}/_control/stats`).then((response) => response.json());
    expect(stats).toEqual(acquirer.stats());
    await fetch(`${acquirer.url}/_control/reset`, { method: 'POST' });
    expect(acquirer.stats()).toEqual({ authorizations_created: 0, captures: 0, charges_succeeded: 0, refunds_succeeded: 0, requests: 0 });
    expect((await call('GET', `/v1/authorizations/${String(created.body.id)}`)).status).toBe(404);
    const faults = await fetch(`${acquirer.url}/_control/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    }).then((response) => response.json());
    expect(faults).toMatchObject({ latencyMs: 0, failNext: 0 });
  });

  it('takes faults over HTTP and refuses malformed ones', async () => {
    const post = (body: unknown) =>
      fetch(`${acquirer.url}/_control/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ failMode: 'explode' })).status).toBe(400);
    expect((await post({ latencyMs: -1 })).status).toBe(400);
    expect((await post({ surprise: 1 })).status).toBe(400);
    expect((await post({ failNext: 1, failMode: 'error_500' })).status).toBe(200);
    const failed = await authorize();
    expect(failed).toMatchObject({ status: 500, body: { error: { type: 'api_error' } } });
    expect(acquirer.stats()).toMatchObject({ authorizations_created: 0, requests: 1 });
    expect((await authorize()).status).toBe(200);
  });

  it('adds latencyMs to every answer', async () => {
    acquirer.setFaults({ latencyMs: 120 });
    const startMs = Date.now();
    await call('GET', '/v1/authorizations?idempotency_key=none');
    expect(Date.now() - startMs).toBeGreaterThanOrEqual(110);
  });

  it('drop_after_processing does the work, then gives no answer', async () => {
    acquirer.setFaults({ failNext: 1, failMode: 'drop_after_processing' });
    const key = randomUUID();
    await expect(call('POST', '/v1/authorizations', { key, body: authorizationBody() })).rejects.toThrow();
    expect((await call('GET', `/v1/authorizations?idempotency_key=${key}`)).body).toMatchObject({ status: 'authorized' });
  });

  it('respond_late does the work at once and answers late; the same key meanwhile gets the stored answer', async () => {
    acquirer.setFaults({ failNext: 1, failMode: 'respond_late', lateMs: 300 });
    const key = randomUUID();
    const startMs = Date.now();
    const late = call('POST', '/v1/authorizations', { key, body: authorizationBody('4242424242424242', { capture: true }) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const retry = await call('POST', '/v1/authorizations', { key, body: authorizationBody('4242424242424242', { capture: true }) });
    expect(retry).toMatchObject({ status: 200, replayed: true, body: { status: 'captured' } });
    expect((await late).body).toEqual(retry.body);
    expect(Date.now() - startMs).toBeGreaterThanOrEqual(290);
    expect(acquirer.stats().charges_succeeded).toBe(1);
  });

  it('close() ends promptly while a timeout fault holds a socket and a late answer is pending', async () => {
    const own = await startCardAcquirer({ apiKeys: [apiKey] });
    own.setFaults({ failNext: 1, failMode: 'timeout' });
    const held = call('POST', '/v1/authorizations', { base: own.url, key: randomUUID(), body: authorizationBody() });
    const heldOutcome = held.then(() => 'answered', () => 'dropped');
    await new Promise((resolve) => setTimeout(resolve, 50));
    own.setFaults({ failNext: 1, failMode: 'respond_late', lateMs: 60_000 });
    const late = call('POST', '/v1/authorizations', { base: own.url, key: randomUUID(), body: authorizationBody() });
    const lateOutcome = late.then(() => 'answered', () => 'dropped');
    await new Promise((resolve) => setTimeout(resolve, 50));

    const startMs = Date.now();
    await own.close();
    expect(Date.now() - startMs).toBeLessThan(1_000);
    expect(await heldOutcome).toBe('dropped');
    expect(await lateOutcome).toBe('dropped');
  });
});
