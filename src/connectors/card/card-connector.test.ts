/**
 * The card connector against the simulated acquirer, over real sockets: every
 * test card, the OTP, capture, void and refund paths, idempotency, and what
 * each injected fault must (and must not) turn into.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpExchange } from '../http-exchange.ts';
import type { CardInput } from '../../domain/payments/card.ts';
import { ManualClock } from '../../domain/clock.ts';
import type { AuthorizeRequest, ConnectorAccount } from '../connector.ts';
import { startCardAcquirer } from '../../simulators/card-acquirer/server.ts';
import type { CardAcquirer } from '../../simulators/card-acquirer/server.ts';
import { createCardConnector } from './card-connector.ts';

const apiKey = 'sk_test_card_connector';
/** The simulator listens on 127.0.0.1: test-mode accounts, with the operator's flag that allows private addresses in test mode. */
const simulatorExchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
const connector = createCardConnector({ exchange: simulatorExchange, timeoutMs: 2_000 });
/** For the faults that make the acquirer slow or silent. */
const impatientConnector = createCardConnector({ exchange: simulatorExchange, timeoutMs: 200 });

let acquirer: CardAcquirer;
let account: ConnectorAccount;

beforeAll(async () => {
  // Mid-2026: expiry 12/2030 is in the future, 12/2025 in the past.
  acquirer = await startCardAcquirer({ apiKeys: [apiKey], clock: new ManualClock(Date.UTC(2026, 5, 15)) });
  account = { id: 'ca_test', connector: 'card', mode: 'test', baseUrl: acquirer.url, credentials: { api_key: apiKey } };
});

afterAll(async () => {
  await acquirer.close();
});

beforeEach(() => {
  acquirer.reset();
});

function card(number: string, overrides: Partial<CardInput> = {}): CardInput {
  return { number, exp_month: 12, exp_year: 2030, cvc: '123', ...overrides };
}

function authorizeRequest(number: string, overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return {
    idempotencyKey: `att_${randomUUID()}`,
    amount: 1000n,
    currency: 'USD',
    capture: true,
    card: card(number),
    description: 'order 42',
    ...overrides,
  };
}

const newKey = (): string => randomUUID();

function expectNoCardNumber(outcome: unknown, number: string): void {
  const text = JSON.stringify(outcome, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  expect(text).not.toContain(number);
}

describe('test cards (shared/PROTOCOLS.md)', () => {
  const succeeding = [
    ['4242424242424242', 'Visa'],
    ['5555555555554444', 'Mastercard'],
    ['6200000000000005', 'UnionPay'],
  ] as const;

  it.each(succeeding)('charges %s (%s) exactly once', async (number) => {
    const outcome = await connector.authorize(account, authorizeRequest(number));
    expect(outcome).toEqual({ kind: 'authorized', reference: expect.stringMatching(/^auth_[0-9a-f]{24}$/), captured: true, amountCaptured: 1000n });
    expect(acquirer.stats()).toMatchObject({ authorizations_created: 1, charges_succeeded: 1 });
    expectNoCardNumber(outcome, number);
  });

  const declines = [
    ['4000000000000002', 'card_declined', 'generic_decline'],
    ['4000000000009995', 'card_declined', 'insufficient_funds'],
    ['4000000000009987', 'card_declined', 'lost_card'],
    ['4000000000009979', 'card_declined', 'stolen_card'],
    ['4000000000006975', 'card_declined', 'card_velocity_exceeded'],
    ['4000000000000069', 'expired_card', null],
    ['4000000000000127', 'incorrect_cvc', null],
    ['4242424242424241', 'incorrect_number', null],
    ['4100000000000019', 'risk_blocked', null],
  ] as const;

  it.each(declines)('declines %s with %s / %s and charges nothing', async (number, code, declineCode) => {
    const outcome = await connector.authorize(account, authorizeRequest(number));
    expect(outcome).toEqual({
      kind: 'declined',
      code,
      declineCode,
      reference: expect.stringMatching(/^auth_/),
      attemptsRemaining: null,
    });
    expect(acquirer.stats()).toMatchObject({ charges_succeeded: 0, captures: 0 });
    expectNoCardNumber(outcome, number);
  });

  it('answers processing_error (4000000000000119) as retriable, creating nothing', async () => {
    const outcome = await connector.authorize(account, authorizeRequest('4000000000000119'));
    expect(outcome).toMatchObject({ kind: 'retriable', code: 'processing_error' });
    expect(acquirer.stats()).toMatchObject({ authorizations_created: 0, charges_succeeded: 0 });
  });

  it('asks for a one-time code for 4000002760003184 and charges nothing yet', async () => {
    const outcome = await connector.authorize(account, authorizeRequest('4000002760003184'));
    expect(outcome).toEqual({ kind: 'requires_action', reference: expect.stringMatching(/^auth_/), nextAction: { type: 'verify_otp' } });
    expect(acquirer.stats().charges_succeeded).toBe(0);
  });

  it('declines a card whose expiry month has passed as expired_card', async () => {
    const request = authorizeRequest('4242424242424242', { card: card('4242424242424242', { exp_month: 5, exp_year: 2026 }) });
    expect(await connector.authorize(account, request)).toMatchObject({ kind: 'declined', code: 'expired_card', declineCode: null });
    expect(acquirer.stats().charges_succeeded).toBe(0);
  });

  it('authorizes without capturing when capture is false', async () => {
    const outcome = await connector.authorize(account, authorizeRequest('4242424242424242', { capture: false }));
    expect(outcome).toMatchObject({ kind: 'authorized', captured: false, amountCaptured: 0n });
    expect(acquirer.stats().charges_succeeded).toBe(0);
  });
});

describe('one-time code', () => {
  let authorizeKey = '';

  async function otpPayment(capture = true): Promise<string> {
    const request = authorizeRequest('4000002760003184', { capture });
    authorizeKey = request.idempotencyKey;
    const outcome = await connector.authorize(account, request);
    if (outcome.kind !== 'requires_action') throw new Error(`expected requires_action, got ${outcome.kind}`);
    return outcome.reference;
  }

  it('captures after the right code when the payment asked for capture', async () => {
    const reference = await otpPayment();
    const outcome = await connector.verifyOtp(account, { idempotencyKey: newKey(), reference, otp: '000000' });
    expect(outcome).toEqual({ kind: 'authorized', reference, captured: true, amountCaptured: 1000n });
    expect(acquirer.stats()).toMatchObject({ charges_succeeded: 1, authorizations_created: 1 });
  });

  it('only authorizes after the right code when the payment did not ask for capture', async () => {
    const reference = await otpPayment(false);
    const outcome = await connector.verifyOtp(account, { idempotencyKey: newKey(), reference, otp: '000000' });
    expect(outcome).toEqual({ kind: 'authorized', reference, captured: false, amountCaptured: 0n });
    expect(acquirer.stats().charges_succeeded).toBe(0);
  });

  it('reports a wrong code as authentication_failed with the attempts left, and the right code still passes', async () => {
    const reference = await otpPayment();
    const wrong = await connector.verifyOtp(account, { idempotencyKey: newKey(), reference, otp: '123456' });
    expect(wrong).toEqual({ kind: 'declined', code: 'authentication_failed', declineCode: null, reference, attemptsRemaining: 2 });
    // A status query after a lost answer tells the same story.
    expect(await connector.queryPayment(account, { idempotencyKey: authorizeKey })).toEqual(wrong);
    expect(acquirer.stats().charges_succeeded).toBe(0);

    const right = await connector.verifyOtp(account, { idempotencyKey: newKey(), reference, otp: '000000' });
    expect(right).toMatchObject({ kind: 'authorized', captured: true });
    expect(acquirer.stats().charges_succeeded).toBe(1);
  });

  it('counts a wrong code retried with the same key only once', async () => {
    const reference = await otpPayment();
    const request = { idempotencyKey: newKey(), reference, otp: '999999' };
    await connector.verifyOtp(account, request);
    expect(await connector.verifyOtp(account, request)).toMatchObject({ kind: 'declined', attemptsRemaining: 2 });
  });

  it('declines for good after three wrong codes, and the right code no longer charges', async () => {
    const reference = await otpPayment();
    const remaining: Array<number | null> = [];
    for (const otp of ['111111', '222222', '333333']) {
      const outcome = await connector.verifyOtp(account, { idempotencyKey: newKey(), reference, otp });
      remaining.push(outcome.kind === 'declined' ? outcome.attemptsRemaining : null);
    }
    expect(remaining).toEqual([2, 1, 0]);

    const late = await connector.verifyOtp(account, { idempotencyKey: newKey(), reference, otp: '000000' });
    expect(late.kind).not.toBe('authorized');
    expect(await connector.queryPayment(account, { idempotencyKey: authorizeKey })).toEqual({
      kind: 'declined',
      code: 'authentication_failed',
      declineCode: null,
      reference,
      attemptsRemaining: 0,
    });
    expect(acquirer.stats().charges_succeeded).toBe(0);
  });
});

describe('capture, void and refund', () => {
  async function authorized(amount = 1000n): Promise<string> {
    const outcome = await connector.authorize(account, authorizeRequest('4242424242424242', { capture: false, amount }));
    if (outcome.kind !== 'authorized') throw new Error(`expected authorized, got ${outcome.kind}`);
    return outcome.reference;
  }

  async function captured(amount = 1000n): Promise<string> {
    const outcome = await connector.authorize(account, authorizeRequest('4242424242424242', { amount }));
    if (outcome.kind !== 'authorized') throw new Error(`expected authorized, got ${outcome.kind}`);
    return outcome.reference;
  }

  it('captures the full authorized amount', async () => {
    const reference = await authorized();
    expect(await connector.capture(account, { idempotencyKey: newKey(), reference, amount: 1000n })).toEqual({
      kind: 'captured',
      amountCaptured: 1000n,
    });
    expect(acquirer.stats()).toMatchObject({ captures: 1, charges_succeeded: 1 });
  });

  it('captures part of the authorized amount, once per key', async () => {
    const reference = await authorized();
    const request = { idempotencyKey: newKey(), reference, amount: 600n };
    expect(await connector.capture(account, request)).toEqual({ kind: 'captured', amountCaptured: 600n });
    expect(await connector.capture(account, request)).toEqual({ kind: 'captured', amountCaptured: 600n });
    expect(acquirer.stats()).toMatchObject({ captures: 1, charges_succeeded: 1 });
  });

  it('does not capture twice under a second key, nor more than was authorized', async () => {
    const reference = await authorized();
    expect(await connector.capture(account, { idempotencyKey: newKey(), reference, amount: 1001n })).toMatchObject({ kind: 'unknown' });
    expect(acquirer.stats().captures).toBe(0);
    await connector.capture(account, { idempotencyKey: newKey(), reference, amount: 1000n });
    const second = await connector.capture(account, { idempotencyKey: newKey(), reference, amount: 1000n });
    expect(second.kind).not.toBe('captured');
    expect(acquirer.stats()).toMatchObject({ captures: 1, charges_succeeded: 1 });
  });

  it('voids an authorization, idempotently, and it can no longer be captured', async () => {
    const reference = await authorized();
    expect(await connector.void(account, { idempotencyKey: newKey(), reference })).toEqual({ kind: 'voided' });
    expect(await connector.void(account, { idempotencyKey: newKey(), reference })).toEqual({ kind: 'voided' });
    const capture = await connector.capture(account, { idempotencyKey: newKey(), reference, amount: 1000n });
    expect(capture.kind).not.toBe('captured');
    expect(acquirer.stats().charges_succeeded).toBe(0);
  });

  it('voids a payment waiting for its one-time code', async () => {
    const request = authorizeRequest('4000002760003184');
    const outcome = await connector.authorize(account, request);
    if (outcome.kind !== 'requires_action') throw new Error('expected requires_action');
    expect(await connector.void(account, { idempotencyKey: newKey(), reference: outcome.reference })).toEqual({ kind: 'voided' });
    expect(await connector.queryPayment(account, { idempotencyKey: request.idempotencyKey })).toEqual({
      kind: 'voided',
      reference: outcome.reference,
    });
  });

  it('does not void a captured payment', async () => {
    const reference = await captured();
    expect(await connector.void(account, { idempotencyKey: newKey(), reference })).toMatchObject({ kind: 'unknown' });
    expect(acquirer.stats().charges_succeeded).toBe(1);
  });

  it('refunds in parts up to the captured amount, then refuses more', async () => {
    const reference = await captured();
    const first = { idempotencyKey: newKey(), reference, amount: 400n, currency: 'USD' as const };
    expect(await connector.refund(account, first)).toEqual({ kind: 'succeeded', reference: expect.stringMatching(/^rf_[0-9a-f]{24}$/) });
    const rest = await connector.refund(account, { ...first, idempotencyKey: newKey(), amount: 600n });
    expect(rest).toMatchObject({ kind: 'succeeded' });
    const over = await connector.refund(account, { ...first, idempotencyKey: newKey(), amount: 1n });
    expect(over).toEqual({ kind: 'failed', reason: 'exceeds_captured' });
    expect(acquirer.stats().refunds_succeeded).toBe(2);
  });

  it('refunds once per key, and finds the refund by its key', async () => {
    const reference = await captured();
    const request = { idempotencyKey: newKey(), reference, amount: 1000n, currency: 'USD' as const };
    const first = await connector.refund(account, request);
    expect(await connector.refund(account, request)).toEqual(first);
    expect(await connector.queryRefund(account, { idempotencyKey: request.idempotencyKey })).toEqual(first);
    expect(acquirer.stats().refunds_succeeded).toBe(1);
  });

  it('refuses to refund an authorization that was never captured', async () => {
    const reference = await authorized();
    const outcome = await connector.refund(account, { idempotencyKey: newKey(), reference, amount: 1n, currency: 'USD' });
    expect(outcome).toEqual({ kind: 'failed', reason: 'not_captured' });
    expect(acquirer.stats().refunds_succeeded).toBe(0);
  });

  it('answers not_found for a refund key the acquirer never saw', async () => {
    expect(await connector.queryRefund(account, { idempotencyKey: newKey() })).toEqual({ kind: 'not_found' });
  });
});

describe('idempotency', () => {
  it('creates one authorization for the same key sent twice', async () => {
    const request = authorizeRequest('4242424242424242');
    const first = await connector.authorize(account, request);
    const second = await connector.authorize(account, request);
    expect(second).toEqual(first);
    expect(acquirer.stats()).toMatchObject({ authorizations_created: 1, charges_succeeded: 1 });
  });

  it('treats the same key with another body as unknown, never as a new charge or a decline', async () => {
    const request = authorizeRequest('4242424242424242');
    await connector.authorize(account, request);
    const changed = await connector.authorize(account, { ...request, amount: 2000n });
    expect(changed).toMatchObject({ kind: 'unknown' });
    expect(acquirer.stats()).toMatchObject({ authorizations_created: 1, charges_succeeded: 1 });
  });

  it('creates one authorization for two identical requests sent at once', async () => {
    const request = authorizeRequest('4242424242424242');
    const [first, second] = await Promise.all([connector.authorize(account, request), connector.authorize(account, request)]);
    expect(first).toMatchObject({ kind: 'authorized' });
    expect(second).toEqual(first);
    expect(acquirer.stats()).toMatchObject({ authorizations_created: 1, charges_succeeded: 1 });
  });

  it('answers unknown (not a failure) while the same key is still being processed', async () => {
    acquirer.setFaults({ processingMs: 150 });
    const request = authorizeRequest('4242424242424242');
    const outcomes = await Promise.all([connector.authorize(account, request), connector.authorize(account, request)]);
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['authorized', 'unknown']);
    expect(acquirer.stats()).toMatchObject({ authorizations_created: 1, charges_succeeded: 1 });
    expect(await connector.authorize(account, request)).toMatchObject({ kind: 'authorized' });
    expect(acquirer.stats().authorizations_created).toBe(1);
  });
});

describe('faults', () => {
  it('maps a 500 to unknown, and the retry with the same key charges once', async () => {
    acquirer.setFaults({ failNext: 1, failMode: 'error_500' });
    const request = authorizeRequest('4242424242424242');
    expect(await connector.authorize(account, request)).toMatchObject({ kind: 'unknown' });
    expect(acquirer.stats().authorizations_created).toBe(0);
    expect(await connector.authorize(account, request)).toMatchObject({ kind: 'authorized' });
    expect(acquirer.stats().charges_succeeded).toBe(1);
  });

  it('maps no answer within the timeout to unknown, never to a decline', async () => {
    acquirer.setFaults({ failNext: 1, failMode: 'timeout' });
    const request = authorizeRequest('4242424242424242');
    const outcome = await impatientConnector.authorize(account, request);
    expect(outcome).toEqual({ kind: 'unknown', detail: 'no answer within 200 ms' });
    expectNoCardNumber(outcome, '4242424242424242');
    expect(await connector.queryPayment(account, { idempotencyKey: request.idempotencyKey })).toEqual({ kind: 'not_found' });
    expect(acquirer.stats().authorizations_created).toBe(0);
  });

  it('maps a late answer to unknown; the status query then finds the charge, and a retry does not charge again', async () => {
    acquirer.setFaults({ failNext: 1, failMode: 'respond_late', lateMs: 2_000 });
    const request = authorizeRequest('4242424242424242');
    expect(await impatientConnector.authorize(account, request)).toMatchObject({ kind: 'unknown' });

    const found = await connector.queryPayment(account, { idempotencyKey: request.idempotencyKey });
    expect(found).toMatchObject({ kind: 'authorized', captured: true, amountCaptured: 1000n });
    expect(acquirer.stats()).toMatchObject({ authorizations_created: 1, charges_succeeded: 1 });

    const retried = await connector.authorize(account, request);
    expect(retried).toEqual(found);
    expect(acquirer.stats()).toMatchObject({ authorizations_created: 1, charges_succeeded: 1 });
  });

  it('maps a connection dropped after processing to unknown, and the query finds the charge', async () => {
    acquirer.setFaults({ failNext: 1, failMode: 'drop_after_processing' });
    const request = authorizeRequest('4242424242424242');
    expect(await connector.authorize(account, request)).toMatchObject({ kind: 'unknown' });
    expect(await connector.queryPayment(account, { idempotencyKey: request.idempotencyKey })).toMatchObject({ kind: 'authorized' });
    expect(acquirer.stats().charges_succeeded).toBe(1);
  });

  it('maps a refund whose answer was lost to unknown, and the refund query finds it', async () => {
    const payment = await connector.authorize(account, authorizeRequest('4242424242424242'));
    if (payment.kind !== 'authorized') throw new Error('expected authorized');
    acquirer.setFaults({ failNext: 1, failMode: 'drop_after_processing' });
    const request = { idempotencyKey: newKey(), reference: payment.reference, amount: 500n, currency: 'USD' as const };
    expect(await connector.refund(account, request)).toMatchObject({ kind: 'unknown' });
    expect(await connector.queryRefund(account, { idempotencyKey: request.idempotencyKey })).toMatchObject({ kind: 'succeeded' });
    expect(acquirer.stats().refunds_succeeded).toBe(1);
  });
});

describe('lookups and misconfiguration', () => {
  it('answers not_found for a payment key the acquirer never saw', async () => {
    expect(await connector.queryPayment(account, { idempotencyKey: newKey() })).toEqual({ kind: 'not_found' });
  });

  it('finds a declined payment by its key as declined', async () => {
    const request = authorizeRequest('4000000000009995');
    await connector.authorize(account, request);
    expect(await connector.queryPayment(account, { idempotencyKey: request.idempotencyKey })).toMatchObject({
      kind: 'declined',
      declineCode: 'insufficient_funds',
    });
  });

  it('does not take a bare 404 (a wrong base URL) for "no such payment"', async () => {
    const misrouted = { ...account, baseUrl: `${acquirer.url}/wrong-prefix` };
    expect(await connector.queryPayment(misrouted, { idempotencyKey: newKey() })).toMatchObject({ kind: 'unknown' });
    expect(await connector.queryRefund(misrouted, { idempotencyKey: newKey() })).toMatchObject({ kind: 'unknown' });
  });

  it('maps a rejected API key to retriable connector_unavailable, with nothing created', async () => {
    const wrongKey = { ...account, credentials: { api_key: 'sk_wrong' } };
    expect(await connector.authorize(wrongKey, authorizeRequest('4242424242424242'))).toMatchObject({
      kind: 'retriable',
      code: 'connector_unavailable',
    });
    expect(acquirer.stats().authorizations_created).toBe(0);
  });

  it('maps a refused connection to retriable connector_unavailable: the request provably never arrived', async () => {
    const closed = await startCardAcquirer({ apiKeys: [apiKey] });
    await closed.close();
    const outcome = await connector.authorize({ ...account, baseUrl: closed.url }, authorizeRequest('4242424242424242'));
    expect(outcome).toMatchObject({ kind: 'retriable', code: 'connector_unavailable', detail: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('answers the connector cannot trust', () => {
  let scripted: Server;
  let scriptedUrl: string;
  let answer: { status: number; body: string } = { status: 200, body: '' };

  beforeAll(async () => {
    scripted = createServer((_request, response) => {
      response.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
    scriptedUrl = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    scripted.closeAllConnections();
    await new Promise((resolve) => scripted.close(resolve));
  });

  const authorization = (overrides: Record<string, unknown>): string =>
    JSON.stringify({
      id: 'auth_000000000000000000000000',
      object: 'authorization',
      status: 'captured',
      amount: 1000,
      amount_captured: 1000,
      currency: 'USD',
      idempotency_key: 'fixed-key',
      card: { brand: 'visa', last4: '4242' },
      error: null,
      ...overrides,
    });

  const cases = [
    ['a body that is not JSON', 200, 'not json'],
    ['an unknown status', 200, authorization({ status: 'succeeded_maybe' })],
    ['a fractional amount', 200, authorization({ amount_captured: 999.5 })],
    ['an authorization for another amount', 200, authorization({ amount: 5000, amount_captured: 5000 })],
    ['an authorization for another key', 200, authorization({ idempotency_key: 'other-key' })],
    ['a 503', 503, '{"error":{"type":"api_error"}}'],
    ['a 402 that is not processing_error', 402, '{"error":{"type":"card_error","code":"card_declined"}}'],
    ['a 409', 409, '{"error":{"type":"idempotency_error","code":"idempotency_key_in_use"}}'],
  ] as const;

  it.each(cases)('maps %s to unknown', async (_name, status, body) => {
    answer = { status, body };
    const outcome = await connector.authorize(
      { ...account, baseUrl: scriptedUrl },
      authorizeRequest('4242424242424242', { idempotencyKey: 'fixed-key' }),
    );
    expect(outcome.kind).toBe('unknown');
  });

  it('maps an unknown decline code to generic_decline, still a decline', async () => {
    answer = {
      status: 200,
      body: authorization({
        status: 'declined',
        amount_captured: 0,
        error: { code: 'card_declined', decline_code: 'pickup_card', message: 'x' },
      }),
    };
    const outcome = await connector.authorize(
      { ...account, baseUrl: scriptedUrl },
      authorizeRequest('4242424242424242', { idempotencyKey: 'fixed-key' }),
    );
    expect(outcome).toMatchObject({ kind: 'declined', code: 'card_declined', declineCode: 'generic_decline' });
  });
});
