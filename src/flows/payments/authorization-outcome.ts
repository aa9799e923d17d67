/**
 * What a provider's answer to an authorization (or a one-time-code check, or a
 * status query) means for the payment. One decision table shared by confirm,
 * the code check and the worker's status queries, so the same answer always
 * leads to the same state.
 */
import type { PaymentOutcome } from '../../connectors/connector.ts';
import { assertNever } from '../../domain/assert.ts';
import type { PaymentStatus } from '../../domain/payments/payment-state.ts';
import type { AttemptRow } from '../../store/schema.ts';
import type { PaymentPatch, PaymentRecord } from '../../store/payments.ts';
import type { Actor } from '../../domain/payments/payment-state.ts';
import type { FlowContext } from '../context.ts';
import type { Posting } from '../../domain/wallet/ledger.ts';
import { transitionPayment } from './payment-transitions.ts';
import type { StoredError } from './present.ts';

export type AuthorizationDecision =
  | {
      kind: 'settled';
      to: PaymentStatus;
      patch: PaymentPatch;
      eventTypes: string[];
      attemptStatus: AttemptRow['status'];
      reference: string | null;
      /** Set when the payer must be told the attempt failed. */
      error: StoredError | null;
    }
  | { kind: 'unresolved'; detail: string };

export function decideAuthorization(payment: PaymentRecord, attemptId: string, outcome: PaymentOutcome): AuthorizationDecision {
  switch (outcome.kind) {
    case 'authorized':
      if (outcome.captured) {
        return {
          kind: 'settled',
          to: 'succeeded',
          patch: { amount_received: outcome.amountCaptured, amount_capturable: 0n, next_action: null, last_error: null },
          eventTypes: ['payment.succeeded'],
          attemptStatus: 'succeeded',
          reference: outcome.reference,
          error: null,
        };
      }
      return {
        kind: 'settled',
        to: 'requires_capture',
        patch: { amount_capturable: payment.amount, next_action: null, last_error: null },
        eventTypes: ['payment.amount_capturable_updated'],
        attemptStatus: 'succeeded',
        reference: outcome.reference,
        error: null,
      };
    case 'requires_action':
      return {
        kind: 'settled',
        to: 'requires_action',
        patch: { next_action: outcome.nextAction, last_error: null },
        eventTypes: ['payment.requires_action'],
        attemptStatus: 'requires_action',
        reference: outcome.reference,
        error: null,
      };
    case 'declined': {
      const error: StoredError = {
        code: outcome.code,
        decline_code: outcome.declineCode,
        details: { attempts_remaining: outcome.attemptsRemaining ?? undefined },
        attempt: attemptId,
      };
      // A wrong one-time code with tries left: the payer stays on the code step.
      if (outcome.code === 'authentication_failed' && (outcome.attemptsRemaining ?? 0) > 0) {
        return {
          kind: 'settled',
          to: 'requires_action',
          patch: { next_action: { type: 'verify_otp' }, last_error: error },
          eventTypes: [],
          attemptStatus: 'requires_action',
          reference: outcome.reference,
          error,
        };
      }
      return failed(error, outcome.reference);
    }
    case 'retriable':
      return failed({ code: outcome.code, decline_code: null, details: {}, attempt: attemptId }, null);
    case 'voided':
      // Released at the provider before it completed: nothing was charged.
      return failed({ code: 'processing_error', decline_code: null, details: {}, attempt: attemptId }, outcome.reference);
    case 'not_found':
      return { kind: 'unresolved', detail: 'the provider has no record of this attempt' };
    case 'unknown':
      return { kind: 'unresolved', detail: outcome.detail };
    default:
      return assertNever(outcome);
  }
}

/** A failed attempt: the payment goes back to waiting for a payment method, with the error for the payer. */
export function failed(error: StoredError, reference: string | null): Extract<AuthorizationDecision, { kind: 'settled' }> {
  return {
    kind: 'settled',
    to: 'requires_payment_method',
    patch: { last_error: error, next_action: null, amount_capturable: 0n },
    eventTypes: ['payment.payment_failed'],
    attemptStatus: 'failed',
    reference,
    error,
  };
}

/** Commits a settled decision with its attempt's result; null when another writer changed the payment first. */
export async function applyAuthorizationDecision(
  context: FlowContext,
  payment: PaymentRecord,
  attemptId: string,
  decision: Extract<AuthorizationDecision, { kind: 'settled' }>,
  how: { actor: Actor; reason?: string; tries: number; latencyMs: number | null; nextQueryAt?: Date | null; posting?: Posting },
): Promise<PaymentRecord | null> {
  return transitionPayment(context, payment, {
    posting: how.posting,
    to: decision.to,
    actor: how.actor,
    reason: how.reason ?? null,
    patch: decision.patch,
    error: decision.error,
    eventTypes: decision.eventTypes,
    attemptResult: {
      id: attemptId,
      status: decision.attemptStatus,
      provider_reference: decision.reference,
      error_code: decision.error?.code ?? null,
      decline_code: decision.error?.decline_code ?? null,
      tries: how.tries,
      latency_ms: how.latencyMs,
      completed: decision.attemptStatus !== 'requires_action',
      next_query_at: how.nextQueryAt ?? null,
    },
  });
}
