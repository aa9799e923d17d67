/**
 * The card acquirer's wire protocol (a Stripe-like REST API, see
 * shared/PROTOCOLS.md "Test cards") and how its answers map onto connector
 * outcomes. The simulated acquirer imports these types too, so both sides
 * describe one protocol; this file's parsers still check every answer at run
 * time, because the real acquirer is not compiled with us.
 *
 * The rule that keeps money safe: an answer we cannot fully read maps to
 * `unknown`, never to success or failure.
 */
import type { ConnectorFailure, DeclineErrorCode, PaymentOutcome, RefundOutcome } from '../connector.ts';
import { isDeclineCode } from '../../domain/errors.ts';
import type { DeclineCode } from '../../domain/errors.ts';

export const authorizationStatuses = ['authorized', 'captured', 'requires_otp', 'declined', 'voided'] as const;
export type WireAuthorizationStatus = (typeof authorizationStatuses)[number];

export const refundStatuses = ['succeeded', 'failed', 'pending'] as const;
export type WireRefundStatus = (typeof refundStatuses)[number];

/** The body of `POST /v1/authorizations`. Amounts are integers in minor units. */
export interface WireAuthorizationRequest {
  amount: number;
  currency: string;
  capture: boolean;
  card: { number: string; exp_month: number; exp_year: number; cvc: string };
  description?: string;
}

/** Why an authorization was refused; `attempts_remaining` only accompanies `authentication_failed`. */
export interface WireCardError {
  code: string;
  decline_code: string | null;
  message: string;
  attempts_remaining?: number;
}

export interface WireAuthorization {
  id: string;
  object: 'authorization';
  status: WireAuthorizationStatus;
  amount: number;
  amount_captured: number;
  currency: string;
  idempotency_key: string;
  card: { brand: string; last4: string };
  error: WireCardError | null;
}

export interface WireRefund {
  id: string;
  object: 'refund';
  status: WireRefundStatus;
  amount: number;
  authorization: string;
  idempotency_key: string;
  failure_reason: string | null;
}

/** Every non-200 answer: `{"error":{"type":…,"code":…}}`. */
export interface WireErrorBody {
  error: { type: string; code?: string; message?: string; param?: string };
}

// ---------------------------------------------------------------------------
// Parsing: `unknown` JSON in, a typed object or null out.

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

function parseCardError(value: unknown): WireCardError | null | undefined {
  if (value === null) return null;
  if (!isObject(value) || typeof value.code !== 'string') return undefined;
  const declineCode = value.decline_code ?? null;
  if (declineCode !== null && typeof declineCode !== 'string') return undefined;
  const attempts = value.attempts_remaining;
  if (attempts !== undefined && !(Number.isSafeInteger(attempts) && (attempts as number) >= 0)) return undefined;
  return {
    code: value.code,
    decline_code: declineCode,
    message: typeof value.message === 'string' ? value.message : '',
    ...(attempts === undefined ? {} : { attempts_remaining: attempts as number }),
  };
}

export function parseAuthorization(value: unknown): WireAuthorization | null {
  if (!isObject(value) || value.object !== 'authorization') return null;
  const { id, status, amount, amount_captured, currency, idempotency_key, card } = value;
  const error = parseCardError(value.error);
  const valid =
    typeof id === 'string' &&
    isOneOf(authorizationStatuses, status) &&
    isAmount(amount) &&
    isAmount(amount_captured) &&
    amount_captured <= amount &&
    typeof currency === 'string' &&
    typeof idempotency_key === 'string' &&
    isObject(card) &&
    error !== undefined;
  if (!valid) return null;
  const brand = typeof card.brand === 'string' ? card.brand : 'unknown';
  const last4 = typeof card.last4 === 'string' ? card.last4 : '';
  return {
    id, object: 'authorization', status, amount, amount_captured, currency, idempotency_key,
    card: { brand, last4 },
    error,
  };
}

export function parseRefund(value: unknown): WireRefund | null {
  if (!isObject(value) || value.object !== 'refund') return null;
  const { id, status, amount, authorization, idempotency_key } = value;
  const failureReason = value.failure_reason ?? null;
  const valid =
    typeof id === 'string' &&
    isOneOf(refundStatuses, status) &&
    isAmount(amount) &&
    typeof authorization === 'string' &&
    typeof idempotency_key === 'string' &&
    (failureReason === null || typeof failureReason === 'string');
  if (!valid) return null;
  return { id, object: 'refund', status, amount, authorization, idempotency_key, failure_reason: failureReason };
}

/** The `error.code` of an error body, or null when the body is not one. */
export function errorCodeOf(value: unknown): string | null {
  if (!isObject(value) || !isObject(value.error)) return null;
  return typeof value.error.code === 'string' ? value.error.code : null;
}

// ---------------------------------------------------------------------------
// Mapping onto connector outcomes.

const declineErrorCodes: readonly DeclineErrorCode[] = [
  'card_declined', 'expired_card', 'incorrect_cvc', 'incorrect_number',
  'risk_blocked', 'authentication_failed', 'insufficient_funds',
];

/** A decline code we do not know is still a decline: it shows as the generic one. */
function declineCodeOf(wire: string | null): DeclineCode | null {
  if (wire === null) return null;
  return isDeclineCode(wire) ? wire : 'generic_decline';
}

function declined(reference: string, error: WireCardError | null): ConnectorFailure {
  const attemptsRemaining = error?.attempts_remaining ?? null;
  // The status says the refusal is final and nothing moved, so an error code
  // we do not know is still a decline: the generic one.
  if (error === null || !isOneOf(declineErrorCodes, error.code)) {
    return { kind: 'declined', code: 'card_declined', declineCode: 'generic_decline', reference, attemptsRemaining };
  }
  return { kind: 'declined', code: error.code, declineCode: declineCodeOf(error.decline_code), reference, attemptsRemaining };
}

/** What an authorization's state means for the payment. */
export function authorizationOutcome(authorization: WireAuthorization): PaymentOutcome {
  const reference = authorization.id;
  switch (authorization.status) {
    case 'authorized':
    case 'captured':
      return {
        kind: 'authorized',
        reference,
        captured: authorization.status === 'captured',
        amountCaptured: BigInt(authorization.amount_captured),
      };
    case 'requires_otp':
      // A wrong code with attempts left: report the refusal (and the attempts
      // left) so the payer can be told; the flows keep the payment in
      // requires_action because attemptsRemaining > 0.
      if (authorization.error?.code === 'authentication_failed') return declined(reference, authorization.error);
      return { kind: 'requires_action', reference, nextAction: { type: 'verify_otp' } };
    case 'voided':
      return { kind: 'voided', reference };
    case 'declined':
      return declined(reference, authorization.error);
  }
}

export function refundOutcome(refund: WireRefund): RefundOutcome {
  switch (refund.status) {
    case 'succeeded':
      return { kind: 'succeeded', reference: refund.id };
    case 'pending':
      return { kind: 'pending', reference: refund.id };
    case 'failed':
      return { kind: 'failed', reason: refund.failure_reason ?? 'unspecified' };
  }
}

/**
 * A non-200 answer. Only two say for certain that nothing moved and a retry
 * may work: 402 processing_error and 401. Everything else (400 idempotency or
 * validation errors, 409 "still processing", 5xx, anything unexpected) may hide
 * a charge made under this key, so it is `unknown`: the flows retry with the
 * same key or ask for the status.
 */
export function failureFromStatus(status: number, body: unknown): ConnectorFailure {
  const code = errorCodeOf(body);
  if (status === 402 && code === 'processing_error') {
    return { kind: 'retriable', code: 'processing_error', detail: 'acquirer answered 402 processing_error' };
  }
  if (status === 401) {
    // The acquirer checks the key before doing anything, so nothing moved.
    // Retrying will not fix a wrong key, but `retriable` tells the truth about
    // money, and connector_unavailable is what the payer should be told.
    return { kind: 'retriable', code: 'connector_unavailable', detail: 'acquirer rejected the API key (401)' };
  }
  return { kind: 'unknown', detail: `acquirer answered ${status}${code === null ? '' : ` ${code}`}` };
}
