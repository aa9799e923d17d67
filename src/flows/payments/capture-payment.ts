/**
 * Capturing an authorized payment, in full or in part (the rest is released).
 * The capture is recorded as an attempt and the payment moved to processing
 * before the provider is called; a failure returns it to requires_capture.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { latestAttempt, updateAttempt, type PaymentRecord, type Scope } from '../../store/payments.ts';
import type { CaptureOutcome } from '../../connectors/connector.ts';
import { callProvider } from '../channels/connector-calls.ts';
import { now, type FlowContext } from '../context.ts';
import { loadAccount } from '../channels/connector-accounts.ts';
import { getPayment } from './create-payment.ts';
import { transitionPayment } from './payment-transitions.ts';
import type { Actor } from '../../domain/payments/payment-state.ts';
import { captureFromWallet } from '../wallet/wallet-payments.ts';

export async function capturePayment(
  context: FlowContext,
  scope: Scope,
  paymentId: string,
  input: { amount_to_capture?: number },
): Promise<PaymentRecord> {
  const payment = await getPayment(context, scope, paymentId);
  if (payment.status !== 'requires_capture') {
    throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: payment.status, action: 'captured' } });
  }
  const amount = input.amount_to_capture === undefined ? payment.amount_capturable : BigInt(input.amount_to_capture);
  if (amount < 1n) throw new PaymentError('amount_invalid', { param: 'amount_to_capture', paymentId });
  if (amount > payment.amount_capturable) {
    throw new PaymentError('capture_exceeds_authorized', {
      param: 'amount_to_capture',
      paymentId,
      details: { capturable: payment.amount_capturable.toString() },
    });
  }
  const authorization = await latestAttempt(context.db, payment.merchant_id, payment.id, 'authorize');
  if (authorization?.connector === 'wallet') return captureFromWallet(context, payment, authorization, amount);
  if (!authorization?.provider_reference || !authorization.connector_account_id) {
    throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: payment.status, action: 'captured' } });
  }
  const account = await loadAccount(context, authorization.merchant_id, authorization.connector_account_id);
  const attemptId = context.ids.newId('att');
  const processing = await transitionPayment(context, payment, {
    to: 'processing',
    actor: 'merchant',
    newAttempt: {
      id: attemptId,
      operation: 'capture',
      connector: authorization.connector,
      connector_account_id: authorization.connector_account_id,
      payment_method_type: authorization.payment_method_type,
      amount,
      provider_idempotency_key: attemptId,
    },
  });
  if (!processing) throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: 'changing', action: 'captured' } });
  const reference = authorization.provider_reference;
  const call = await callProvider(context, attemptId, (idempotencyKey) =>
    context.connectors.card.capture(account, { idempotencyKey, reference, amount }),
    { connector: 'card', operation: 'capture' },
  );
  return settleCapture(context, processing, attemptId, call.outcome, call.tries, call.latencyMs, 'provider');
}

/** Shared with the worker, which settles a capture whose outcome was unknown. */
export async function settleCapture(
  context: FlowContext,
  payment: PaymentRecord,
  attemptId: string,
  outcome: CaptureOutcome,
  tries: number,
  latencyMs: number | null,
  actor: Actor,
): Promise<PaymentRecord> {
  const base = { id: attemptId, provider_reference: null, tries, latency_ms: latencyMs, next_query_at: null };
  if (outcome.kind === 'captured') {
    const settled = await transitionPayment(context, payment, {
      to: 'succeeded',
      actor,
      patch: { amount_received: outcome.amountCaptured, amount_capturable: 0n },
      eventTypes: ['payment.captured', 'payment.succeeded'],
      attemptResult: { ...base, status: 'succeeded', error_code: null, decline_code: null, completed: true },
    });
    return settled ?? payment;
  }
  if (outcome.kind === 'unknown') {
    await updateAttempt(
      context.db,
      payment.merchant_id,
      { ...base, status: 'unknown', error_code: null, decline_code: null, completed: false, next_query_at: new Date(context.clock.nowMs() + limits.unknownOutcomeQueryAfterMs) },
      now(context),
    );
    return payment;
  }
  // The provider refused the capture: the authorization stands, the merchant may try again.
  const code = outcome.kind === 'declined' ? outcome.code : outcome.code;
  await transitionPayment(context, payment, {
    to: 'requires_capture',
    actor,
    attemptResult: { ...base, status: 'failed', error_code: code, decline_code: null, completed: true },
  });
  throw new PaymentError(outcome.kind === 'retriable' ? 'connector_unavailable' : code, { paymentId: payment.id });
}
