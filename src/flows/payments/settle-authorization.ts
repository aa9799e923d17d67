/**
 * Settling an authorization: what a provider answered to a confirm, committed
 * with its history and events, shared by the card and channel confirms.
 */
import { PaymentError, isDeclineCode } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { findPaymentById, updateAttempt, type PaymentRecord } from '../../store/payments.ts';
import { applyAuthorizationDecision, decideAuthorization } from './authorization-outcome.ts';
import { now, type FlowContext } from '../context.ts';
import type { StoredError } from './present.ts';

/**
 * Commits what the provider answered; throws the payer-facing error for a failure after committing it.
 * `pollAfterMs`: when the payer must act at the provider, ask the provider again after this long.
 */
export async function settleAuthorization(
  context: FlowContext,
  payment: PaymentRecord,
  attemptId: string,
  call: { outcome: Parameters<typeof decideAuthorization>[2]; tries: number; latencyMs: number },
  pollAfterMs: number | null = null,
): Promise<PaymentRecord> {
  const decision = decideAuthorization(payment, attemptId, call.outcome);
  if (decision.kind === 'unresolved') {
    // The provider may or may not have acted: leave the payment processing and let the worker ask soon.
    await updateAttempt(
      context.db,
      payment.merchant_id,
      {
        id: attemptId,
        status: 'unknown',
        provider_reference: null,
        error_code: null,
        decline_code: null,
        tries: call.tries,
        latency_ms: call.latencyMs,
        completed: false,
        next_query_at: new Date(context.clock.nowMs() + limits.unknownOutcomeQueryAfterMs),
      },
      now(context),
    );
    return payment;
  }
  const nextQueryAt = pollAfterMs !== null && decision.attemptStatus === 'requires_action' ? new Date(context.clock.nowMs() + pollAfterMs) : null;
  const settled = await applyAuthorizationDecision(context, payment, attemptId, decision, {
    actor: 'provider',
    tries: call.tries,
    latencyMs: call.latencyMs,
    nextQueryAt,
  });
  // Someone else (the worker's status query) settled it first: answer what is stored.
  const current = settled ?? (await findPaymentById(context.db, payment.merchant_id, payment.id));
  if (!current) throw concurrentChange(payment.id, 'confirmed');
  if (settled && decision.error) throw errorFor(decision.error, payment.id);
  return current;
}

function errorFor(stored: StoredError, paymentId: string): PaymentError {
  return new PaymentError(stored.code, {
    paymentId,
    details: stored.details,
    declineCode: stored.decline_code && isDeclineCode(stored.decline_code) ? stored.decline_code : undefined,
  });
}

export function concurrentChange(paymentId: string, action: string): PaymentError {
  return new PaymentError('payment_unexpected_state', { paymentId, details: { status: 'changing', action } });
}
