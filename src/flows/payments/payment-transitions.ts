/**
 * The one way flows change a payment's status: compute the new state, write
 * it with its history row and its merchant events in one statement, and
 * answer the new state (or null when another writer got there first).
 */
import { PaymentError, type ErrorCode } from '../../domain/errors.ts';
import { assert } from '../../domain/assert.ts';
import { topUp, type Posting } from '../../domain/wallet/ledger.ts';
import { funnelStepOf } from '../../domain/insight/funnel.ts';
import type { Actor, PaymentStatus } from '../../domain/payments/payment-state.ts';
import { commitTransition, type AttemptResult, type NewAttempt, type PaymentPatch, type PaymentRecord } from '../../store/payments.ts';
import { now, type FlowContext } from '../context.ts';
import { redemptionStepOf } from '../../domain/coupons/coupon-rules.ts';
import { couponLimitViolated, findCoupon, type RedemptionChange } from '../../store/coupons.ts';
import { presentPayment, type StoredError } from './present.ts';
import { cancellationRecordOf } from './cancellation-records.ts';
import { pointsOfTransition } from '../loyalty/points-transitions.ts';

export interface TransitionRequest {
  to: PaymentStatus;
  patch?: PaymentPatch;
  actor: Actor;
  reason?: string | null;
  error?: StoredError | null;
  eventTypes?: string[];
  newAttempt?: NewAttempt;
  attemptResult?: AttemptResult;
  /** The instant of the change (default: now); a new attempt starts at it. */
  at?: Date;
  /** Money that moves in the wallet ledger with this change; it moves only if the change commits. */
  posting?: Posting;
}

export async function transitionPayment(
  context: FlowContext,
  payment: PaymentRecord,
  request: TransitionRequest,
): Promise<PaymentRecord | null> {
  const at = request.at ?? now(context);
  // What the change does to the customer's loyalty points, written in the same statement.
  const points = await pointsOfTransition(context, payment, request.to, request.patch ?? {}, at);
  const patch = { ...request.patch, ...points.patch };
  const next = {
    ...payment,
    ...patch,
    status: request.to,
    version: payment.version + 1,
    updated_at: at,
  } as PaymentRecord;
  const eventTypes = request.eventTypes ?? [];
  // The merchant's view of the new state, only for the events that carry it.
  const snapshot = eventTypes.length > 0 ? presentPayment(next, { publicBaseUrl: context.publicBaseUrl, locale: 'en', viewer: 'merchant' }) : null;
  const attemptId = request.newAttempt?.id ?? request.attemptResult?.id ?? null;
  const posting = request.posting ?? topUpPosting(payment, next);
  // Every way a payment ends canceled leaves its cancellation record, written in the same statement.
  const cancellation = request.to === 'canceled' && payment.status !== 'canceled' ? await cancellationRecordOf(context, payment, { actor: request.actor, patch, at }) : undefined;
  const coupon = redemptionChangeOf(context, payment, next);
  const committed = await commitTransition(context.db, {
    payment: { id: payment.id, status: payment.status, version: payment.version, merchantId: payment.merchant_id, mode: payment.mode },
    to: request.to,
    patch,
    history: {
      id: context.ids.newId('pev'),
      actor: request.actor,
      reason: request.reason ?? null,
      errorCode: (request.error?.code as ErrorCode | undefined) ?? null,
      declineCode: request.error?.decline_code ?? null,
      attemptId,
    },
    events: eventTypes.map((type) => ({ id: context.ids.newId('evt'), type, data: { object: snapshot } })),
    newAttempt: request.newAttempt,
    attemptResult: request.attemptResult,
    ledger: posting ? { posting, transactionId: context.ids.newId('ltx') } : undefined,
    funnel: funnelOf(payment, next, request),
    cancellation,
    points: points.change,
    coupon,
    now: at,
  }).catch(async (error: unknown) => {
    const limit = couponLimitViolated(error);
    if (!limit) throw error;
    // A first-payment-only coupon holds one redemption per customer: another payment of the customer has it.
    if (limit === 'per_customer' && (await isFirstPaymentOnly(context, payment))) {
      throw new PaymentError('coupon_first_payment_only', { param: 'coupon', paymentId: payment.id, details: { coupon: payment.coupon_code } });
    }
    throw new PaymentError('coupon_limit_reached', {
      param: 'coupon',
      paymentId: payment.id,
      details: { coupon: payment.coupon_code, limit: limit === 'total' ? 'total' : 'per_customer' },
    });
  });
  if (committed) {
    const method = (next.payment_method as { type?: string } | null)?.type ?? request.newAttempt?.payment_method_type ?? 'none';
    context.metrics.paymentTransitions.inc({ to: request.to, payment_method_type: method });
    const attempt = request.newAttempt;
    if (attempt) context.metrics.paymentAttempts.inc({ connector: attempt.connector, payment_method_type: attempt.payment_method_type, operation: attempt.operation });
    if (request.attemptResult) context.metrics.paymentAttemptResults.inc({ payment_method_type: method, status: request.attemptResult.status });
  }
  return committed ? next : null;
}

async function isFirstPaymentOnly(context: FlowContext, payment: PaymentRecord): Promise<boolean> {
  if (payment.coupon_id === null) return false;
  const coupon = await findCoupon(context.db, { merchantId: payment.merchant_id, mode: payment.mode }, payment.coupon_id);
  return coupon?.first_payment_only === true;
}

/** What the change does to the payment's coupon redemption (see domain/coupons/coupon-rules.ts), if it has a coupon. */
function redemptionChangeOf(context: FlowContext, payment: PaymentRecord, next: PaymentRecord): RedemptionChange | undefined {
  if (next.coupon_id === null) return undefined;
  const step = redemptionStepOf(payment.status, next.status);
  if (step === null) return undefined;
  return {
    step,
    couponId: next.coupon_id,
    customerId: next.customer_id,
    redemptionId: context.ids.newId('cpr'),
    amountDiscount: next.amount_discount,
    currency: next.currency,
  };
}

function funnelOf(payment: PaymentRecord, next: PaymentRecord, request: TransitionRequest) {
  const step = funnelStepOf({
    from: payment.status,
    to: request.to,
    newAuthorization: request.newAttempt?.operation === 'authorize',
    errorCode: request.error?.code ?? null,
    reason: request.reason ?? null,
  });
  if (!step) return undefined;
  const method = request.newAttempt?.payment_method_type ?? (next.payment_method as { type?: string } | null)?.type ?? null;
  return { step, paymentMethodType: method };
}

/**
 * A top-up's money becomes spendable in the statement that records its
 * success, whichever way the success arrived (the confirm's answer, a
 * provider's notification, a status query): it can neither be lost nor counted twice.
 */
function topUpPosting(payment: PaymentRecord, next: PaymentRecord): Posting | null {
  if (payment.purpose !== 'wallet_top_up' || next.status !== 'succeeded' || payment.status === 'succeeded') return null;
  assert(payment.customer_id !== null && next.amount_received > 0n, 'a top-up names its customer and received money');
  return topUp({ currency: payment.currency, customerId: payment.customer_id, paymentId: payment.id, refundId: null }, next.amount_received);
}
