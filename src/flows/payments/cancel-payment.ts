/**
 * Canceling a payment, with the reason and comment the payer or merchant
 * gave. An authorization is released at the provider first; a payment with
 * an outcome in flight cannot be canceled until that outcome is known.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { isCancelable, type Actor, type CancellationReason } from '../../domain/payments/payment-state.ts';
import { latestAttempt, updateAttempt, type PaymentRecord, type Scope } from '../../store/payments.ts';
import { callProvider } from '../channels/connector-calls.ts';
import { now, type FlowContext } from '../context.ts';
import { loadAccount } from '../channels/connector-accounts.ts';
import { getPayment } from './create-payment.ts';
import { transitionPayment } from './payment-transitions.ts';
import { releaseFromWallet } from '../wallet/wallet-payments.ts';

export interface CancelInput {
  cancellation_reason?: CancellationReason;
  comment?: string;
}

export async function cancelPayment(context: FlowContext, scope: Scope, actor: Actor, paymentId: string, input: CancelInput): Promise<PaymentRecord> {
  const payment = await getPayment(context, scope, paymentId);
  if (!isCancelable(payment.status)) {
    throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: payment.status, action: 'canceled' } });
  }
  const reason = input.cancellation_reason ?? (actor === 'payer' ? 'requested_by_customer' : 'other');
  const comment = input.comment ?? null;
  if (payment.status === 'requires_capture') return releaseAndCancel(context, actor, payment, reason, comment);
  const canceled = await transitionPayment(context, payment, cancellation(actor, reason, comment, now(context)));
  if (!canceled) throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: 'changing', action: 'canceled' } });
  return canceled;
}

export function cancellation(actor: Actor, reason: CancellationReason, comment: string | null, at: Date) {
  return {
    to: 'canceled' as const,
    actor,
    reason,
    patch: { cancellation_reason: reason, cancellation_comment: comment, canceled_at: at, amount_capturable: 0n, next_action: null },
    eventTypes: ['payment.canceled'],
  };
}

async function releaseAndCancel(
  context: FlowContext,
  actor: Actor,
  payment: PaymentRecord,
  reason: CancellationReason,
  comment: string | null,
): Promise<PaymentRecord> {
  const authorization = await latestAttempt(context.db, payment.merchant_id, payment.id, 'authorize');
  if (authorization?.connector === 'wallet') return releaseFromWallet(context, actor, payment, authorization, cancellation(actor, reason, comment, now(context)));
  if (!authorization?.provider_reference || !authorization.connector_account_id) {
    throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: payment.status, action: 'canceled' } });
  }
  const account = await loadAccount(context, authorization.merchant_id, authorization.connector_account_id);
  const attemptId = context.ids.newId('att');
  const processing = await transitionPayment(context, payment, {
    to: 'processing',
    actor,
    reason,
    newAttempt: {
      id: attemptId,
      operation: 'void',
      connector: authorization.connector,
      connector_account_id: authorization.connector_account_id,
      payment_method_type: authorization.payment_method_type,
      amount: payment.amount_capturable,
      provider_idempotency_key: attemptId,
    },
  });
  if (!processing) throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: 'changing', action: 'canceled' } });
  const reference = authorization.provider_reference;
  const call = await callProvider(context, attemptId, (idempotencyKey) => context.connectors.card.void(account, { idempotencyKey, reference }), {
    connector: 'card',
    operation: 'void',
  });
  const base = { id: attemptId, provider_reference: null, tries: call.tries, latency_ms: call.latencyMs, error_code: null, decline_code: null };
  if (call.outcome.kind === 'voided') {
    const canceled = await transitionPayment(context, processing, {
      ...cancellation(actor, reason, comment, now(context)),
      attemptResult: { ...base, status: 'succeeded', completed: true, next_query_at: null },
    });
    return canceled ?? processing;
  }
  if (call.outcome.kind === 'unknown') {
    await updateAttempt(
      context.db,
      payment.merchant_id,
      { ...base, status: 'unknown', completed: false, next_query_at: new Date(context.clock.nowMs() + limits.unknownOutcomeQueryAfterMs) },
      now(context),
    );
    return processing;
  }
  await transitionPayment(context, processing, {
    to: 'requires_capture',
    actor: 'provider',
    attemptResult: { ...base, status: 'failed', error_code: call.outcome.code, completed: true, next_query_at: null },
  });
  throw new PaymentError('connector_unavailable', { paymentId: payment.id });
}
