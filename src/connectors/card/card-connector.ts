/**
 * The card connector: speaks the card acquirer's REST protocol (wire.ts) and
 * maps each answer onto a connector outcome. Stateless, no retries, one
 * explicit timeout per call.
 *
 * What keeps a payer from being charged twice:
 * - every write carries the flow's idempotency key, so the acquirer acts once
 *   per key however often the flows retry;
 * - a timeout, a dropped connection, a 5xx or any answer we cannot fully read
 *   is `unknown`, never a success or a decline: the flows then retry with the
 *   same key or look the payment up by that key.
 *
 * The card number travels only in the body of the authorization request; it
 * is never put in an outcome, a detail or an error message.
 */
import type {
  AuthorizeRequest,
  CaptureOutcome,
  CardConnector,
  ConnectorAccount,
  ConnectorFailure,
  PaymentOutcome,
  RefundOutcome,
  VoidOutcome,
} from '../connector.ts';
import { assert } from '../../domain/assert.ts';
import { limits } from '../../domain/limits.ts';
import { defaultHttpExchange, type HttpExchange } from '../http-exchange.ts';
import { amountToJson } from '../../domain/money.ts';
import type { WireAuthorization, WireAuthorizationRequest } from './wire.ts';
import {
  authorizationOutcome,
  errorCodeOf,
  failureFromStatus,
  parseAuthorization,
  parseRefund,
  refundOutcome,
} from './wire.ts';

export interface CardConnectorOptions {
  /** Per call, covering the answer's body too. Defaults to limits.connectorTimeoutMs. */
  timeoutMs?: number;
  /** The shared HTTP exchange (pools, limits, the outbound address policy); defaults to one that reaches public addresses only. */
  exchange?: HttpExchange;
}

export function createCardConnector(options: CardConnectorOptions = {}): CardConnector {
  const timeoutMs = options.timeoutMs ?? limits.connectorTimeoutMs;
  assert(Number.isSafeInteger(timeoutMs) && timeoutMs > 0, 'card connector timeout must be a positive integer');
  const exchange = options.exchange ?? defaultHttpExchange();
  const send = (account: ConnectorAccount, call: Call): Promise<Answer> => sendToAcquirer(exchange, account, call, timeoutMs);

  return {
    name: 'card',

    async authorize(account, request) {
      const answer = await send(account, {
        method: 'POST',
        path: '/v1/authorizations',
        idempotencyKey: request.idempotencyKey,
        body: authorizationBody(request),
      });
      return paymentAnswer(answer, (authorization) => authorizationMismatch(authorization, request));
    },

    async verifyOtp(account, { idempotencyKey, reference, otp }) {
      const path = `/v1/authorizations/${encodeURIComponent(reference)}/otp`;
      const answer = await send(account, { method: 'POST', path, idempotencyKey, body: { otp } });
      return paymentAnswer(answer, (authorization) => referenceMismatch(authorization, reference));
    },

    async capture(account, { idempotencyKey, reference, amount }) {
      const path = `/v1/authorizations/${encodeURIComponent(reference)}/capture`;
      const answer = await send(account, { method: 'POST', path, idempotencyKey, body: { amount: amountToJson(amount) } });
      return captureAnswer(answer, reference);
    },

    async void(account, { idempotencyKey, reference }) {
      const path = `/v1/authorizations/${encodeURIComponent(reference)}/void`;
      const answer = await send(account, { method: 'POST', path, idempotencyKey, body: {} });
      return voidAnswer(answer, reference);
    },

    async refund(account, { idempotencyKey, reference, amount }) {
      // The acquirer refunds in the authorization's currency; the flows have
      // already checked the refund's currency against the payment's.
      const body = { authorization: reference, amount: amountToJson(amount) };
      const answer = await send(account, { method: 'POST', path: '/v1/refunds', idempotencyKey, body });
      return refundAnswer(answer, { notFound: 'unknown', expect: { idempotencyKey, reference, amount: body.amount } });
    },

    async queryPayment(account, { idempotencyKey }) {
      const path = `/v1/authorizations?idempotency_key=${encodeURIComponent(idempotencyKey)}`;
      const answer = await send(account, { method: 'GET', path });
      if (isResourceMissing(answer)) return { kind: 'not_found' };
      return paymentAnswer(answer, (authorization) =>
        authorization.idempotency_key === idempotencyKey ? null : 'authorization for another idempotency key',
      );
    },

    async queryRefund(account, { idempotencyKey }) {
      const path = `/v1/refunds?idempotency_key=${encodeURIComponent(idempotencyKey)}`;
      const answer = await send(account, { method: 'GET', path });
      return refundAnswer(answer, { notFound: 'not_found', expect: { idempotencyKey } });
    },
  };
}

// ---------------------------------------------------------------------------
// One HTTP exchange with the acquirer.

interface Call {
  method: 'GET' | 'POST';
  path: string;
  idempotencyKey?: string;
  body?: unknown;
}

/** Either the acquirer's status and parsed JSON body, or why we have neither. */
type Answer = { received: true; status: number; body: unknown } | { received: false; sent: boolean; detail: string };

/** What an exchange without a readable answer means: nothing happened, or we cannot know. */
function withoutAnswer(answer: Extract<Answer, { received: false }>): ConnectorFailure {
  return answer.sent
    ? { kind: 'unknown', detail: answer.detail }
    : { kind: 'retriable', code: 'connector_unavailable', detail: answer.detail };
}

async function sendToAcquirer(exchange: HttpExchange, account: ConnectorAccount, call: Call, timeoutMs: number): Promise<Answer> {
  const apiKey = account.credentials.api_key;
  assert(apiKey !== undefined && apiKey !== '', `card account ${account.id} has no api_key credential`);
  const headers: Record<string, string> = { Authorization: `Bearer ${apiKey}`, Accept: 'application/json' };
  if (call.idempotencyKey !== undefined) headers['Idempotency-Key'] = call.idempotencyKey;
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  // Joined as text: `new URL(path, base)` would drop a path prefix in baseUrl.
  const url = account.baseUrl.replace(/\/+$/, '') + call.path;
  const result = await exchange.send({
    mode: account.mode,
    url,
    method: call.method,
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    timeoutMs,
    responseBytesMax: limits.providerResponseBytesMax,
    overLimit: 'fail',
    peer: 'the acquirer',
  });
  if (result.kind === 'not_sent') return { received: false, sent: false, detail: result.detail };
  if (result.kind !== 'answered') return { received: false, sent: true, detail: result.detail };
  try {
    return { received: true, status: result.status, body: JSON.parse(result.body.toString('utf8')) as unknown };
  } catch {
    return { received: false, sent: true, detail: `acquirer answered ${result.status} with a body that is not JSON` };
  }
}

function isResourceMissing(answer: Answer): boolean {
  // Only the acquirer's own "no such object" counts: a bare 404 (a wrong base
  // URL, a proxy) must not make a charged payment look like it never happened.
  return answer.received && answer.status === 404 && errorCodeOf(answer.body) === 'resource_missing';
}

// ---------------------------------------------------------------------------
// Requests and answers.

function authorizationBody(request: AuthorizeRequest): WireAuthorizationRequest {
  const { number, exp_month, exp_year, cvc } = request.card;
  return {
    amount: amountToJson(request.amount),
    currency: request.currency,
    capture: request.capture,
    card: { number, exp_month, exp_year, cvc },
    ...(request.description === null ? {} : { description: request.description }),
  };
}

/** Returns why an answer does not belong to the request, or null when it does. */
type Mismatch = (authorization: WireAuthorization) => string | null;

function authorizationMismatch(authorization: WireAuthorization, request: AuthorizeRequest): string | null {
  if (authorization.idempotency_key !== request.idempotencyKey) return 'authorization for another idempotency key';
  if (BigInt(authorization.amount) !== request.amount) return 'authorization for another amount';
  if (authorization.currency !== request.currency) return 'authorization in another currency';
  return null;
}

function referenceMismatch(authorization: WireAuthorization, reference: string): string | null {
  return authorization.id === reference ? null : 'answer about another authorization';
}

/** The authorization in a 200 answer, or the failure that stands for the answer. */
function readAuthorization(answer: Answer, mismatch: Mismatch): WireAuthorization | ConnectorFailure {
  if (!answer.received) return withoutAnswer(answer);
  if (answer.status !== 200) return failureFromStatus(answer.status, answer.body);
  const authorization = parseAuthorization(answer.body);
  if (authorization === null) return { kind: 'unknown', detail: 'acquirer answered 200 with an unexpected body' };
  const reason = mismatch(authorization);
  return reason === null ? authorization : { kind: 'unknown', detail: `acquirer answered with an ${reason}` };
}

function paymentAnswer(answer: Answer, mismatch: Mismatch): PaymentOutcome {
  const read = readAuthorization(answer, mismatch);
  return 'kind' in read ? read : authorizationOutcome(read);
}

function captureAnswer(answer: Answer, reference: string): CaptureOutcome {
  const read = readAuthorization(answer, (authorization) => referenceMismatch(authorization, reference));
  if ('kind' in read) return read;
  if (read.status !== 'captured') return { kind: 'unknown', detail: `capture answered status ${read.status}` };
  return { kind: 'captured', amountCaptured: BigInt(read.amount_captured) };
}

function voidAnswer(answer: Answer, reference: string): VoidOutcome {
  const read = readAuthorization(answer, (authorization) => referenceMismatch(authorization, reference));
  if ('kind' in read) return read;
  if (read.status !== 'voided') return { kind: 'unknown', detail: `void answered status ${read.status}` };
  return { kind: 'voided' };
}

interface RefundExpectation {
  /** What a "no such object" answer means: only a lookup may conclude there is no refund. */
  notFound: 'not_found' | 'unknown';
  expect: { idempotencyKey: string; reference?: string; amount?: number };
}

function refundAnswer(answer: Answer, { notFound, expect }: RefundExpectation): RefundOutcome {
  if (notFound === 'not_found' && isResourceMissing(answer)) return { kind: 'not_found' };
  if (!answer.received) return withoutAnswer(answer);
  if (answer.status !== 200) return failureFromStatus(answer.status, answer.body);
  const refund = parseRefund(answer.body);
  if (refund === null) return { kind: 'unknown', detail: 'acquirer answered 200 with an unexpected body' };
  const mismatch =
    refund.idempotency_key !== expect.idempotencyKey ||
    (expect.reference !== undefined && refund.authorization !== expect.reference) ||
    (expect.amount !== undefined && refund.amount !== expect.amount);
  if (mismatch) return { kind: 'unknown', detail: 'acquirer answered with another refund' };
  return refundOutcome(refund);
}
