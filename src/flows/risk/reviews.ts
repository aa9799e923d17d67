/**
 * The review queue: payments a rule held (authorized, not captured). Approve
 * captures (when the merchant's own choice was automatic capture), reject
 * cancels and releases the authorization. The capture or cancel goes first,
 * through its own flow; the review is closed after. A crash between them
 * leaves the review open with its payment no longer waiting, and deciding
 * again closes it without moving the payment twice.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import { closeReview, findReview, fraudRefundOf, latestRiskDecision, listPendingReviews, type RiskDecisionRow, type RiskReviewRow } from '../../store/risk-decisions.ts';
import { findFraudMark } from '../../store/risk-blocklist.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';
import { capturePayment } from '../payments/capture-payment.ts';
import { cancelPayment } from '../payments/cancel-payment.ts';
import { getPayment } from '../payments/create-payment.ts';
import { refundPayment } from '../payments/refund-payment.ts';

export function presentRisk(decision: RiskDecisionRow | undefined, fraudulent: boolean) {
  if (!decision) return { object: 'payment_risk' as const, decision: null, score: null, rules_fired: [], signals: null, challenge_passed: false, fraudulent, decided_at: null };
  return {
    object: 'payment_risk' as const,
    decision: decision.action,
    score: decision.score,
    rules_fired: decision.rules_fired,
    signals: decision.signals,
    challenge_passed: decision.challenge_passed,
    fraudulent,
    decided_at: decision.created_at.toISOString(),
  };
}

/** A payment's `risk`: its newest decision, with signals and rules fired, and whether it was marked fraudulent. */
export async function paymentRisk(context: FlowContext, scope: Scope, paymentId: string) {
  await getPayment(context, scope, paymentId);
  return { payment: paymentId, ...(await riskOfPayment(context, { merchantId: scope.merchantId, id: paymentId })) };
}

/** The `risk` of a payment already read in the caller's scope. */
export async function riskOfPayment(context: FlowContext, payment: { merchantId: string; id: string }) {
  const [decision, mark] = await Promise.all([latestRiskDecision(context.db, payment), findFraudMark(context.db, payment)]);
  return presentRisk(decision, mark !== undefined);
}

async function presentReview(context: FlowContext, review: RiskReviewRow) {
  const decision = await latestRiskDecision(context.db, { merchantId: review.merchant_id, id: review.payment_id });
  return {
    id: review.payment_id,
    object: 'review' as const,
    payment: review.payment_id,
    status: review.status,
    capture_on_approve: review.capture_on_approve,
    refund_on_reject: review.refund_on_reject,
    created_at: review.created_at.toISOString(),
    decided_at: review.decided_at?.toISOString() ?? null,
    risk: presentRisk(decision, false),
  };
}

export async function listReviews(context: FlowContext, scope: Scope, limit: number = limits.pageSizeDefault) {
  const reviews = await listPendingReviews(context.db, scope, limit);
  return { object: 'list' as const, data: await Promise.all(reviews.map((review) => presentReview(context, review))), has_more: reviews.length === limit };
}

export async function approveReview(context: FlowContext, scope: Scope, paymentId: string) {
  const review = await pendingReview(context, scope, paymentId);
  const payment = await getPayment(context, scope, paymentId);
  if (review.refund_on_reject) {
    if (payment.status !== 'succeeded') throw unexpected(payment, 'approved');
    return close(context, scope, paymentId, 'approved');
  }
  if (payment.status === 'requires_capture' && review.capture_on_approve) await capturePayment(context, scope, paymentId, {});
  else if (!settledAs(payment, ['requires_capture', 'succeeded', 'processing'])) throw unexpected(payment, 'approved');
  return close(context, scope, paymentId, 'approved');
}

export async function rejectReview(context: FlowContext, scope: Scope, paymentId: string) {
  const review = await pendingReview(context, scope, paymentId);
  const payment = await getPayment(context, scope, paymentId);
  if (review.refund_on_reject) return rejectPaid(context, scope, payment);
  if (payment.status === 'requires_capture') await cancelPayment(context, scope, 'merchant', paymentId, { cancellation_reason: 'fraudulent' });
  else if (!settledAs(payment, ['canceled'])) throw unexpected(payment, 'rejected');
  return close(context, scope, paymentId, 'rejected');
}

/**
 * A paid payment rejected in review is refunded in full through the refund
 * flow, then its review is closed. A refund for fraud already recorded (a
 * crash before the close, or a reject sent twice) is not made again.
 */
async function rejectPaid(context: FlowContext, scope: Scope, payment: PaymentRecord) {
  if (payment.status !== 'succeeded') throw unexpected(payment, 'rejected');
  const earlier = await fraudRefundOf(context.db, scope, payment.id);
  if (!earlier) await refundPayment(context, scope, { payment: payment.id, reason: 'fraudulent' });
  return close(context, scope, payment.id, 'rejected');
}

async function pendingReview(context: FlowContext, scope: Scope, paymentId: string): Promise<RiskReviewRow> {
  const review = await findReview(context.db, scope, paymentId);
  if (!review) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'review', id: paymentId } });
  if (review.status !== 'pending') throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: review.status, action: 'decided on' } });
  return review;
}

async function close(context: FlowContext, scope: Scope, paymentId: string, status: 'approved' | 'rejected') {
  await closeReview(context.db, scope, paymentId, status, now(context));
  const review = await findReview(context.db, scope, paymentId);
  if (!review) throw new Error('a closed review is still there');
  return presentReview(context, review);
}

function settledAs(payment: PaymentRecord, statuses: readonly string[]): boolean {
  return statuses.includes(payment.status);
}

function unexpected(payment: PaymentRecord, action: string): PaymentError {
  return new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: payment.status, action: action === 'approved' ? 'captured' : 'canceled' } });
}
