/**
 * A coupon on a payment: applied when the payment is created (`coupon` in
 * POST /v1/payments), or before the payer confirms (the checkout's coupon
 * field, POST /v1/payments/:id with `coupon`), and checked again at confirm.
 *
 * The payment's `amount` is what is charged; `amount_discount` what the
 * coupon takes off; their sum the original price. Applying, changing or
 * removing a coupon is a change of the payment before confirm (one
 * statement, its version checked), so a confirm never reserves a coupon
 * other than the one it read. The limits are not checked here: they are
 * reserved atomically at confirm (store/coupons.ts).
 */
import { couponProblem, discountOf, normalizeCouponCode, type CouponTerms } from '../../domain/coupons/coupon-rules.ts';
import { PaymentError } from '../../domain/errors.ts';
import { formatDecimal, isCurrency } from '../../domain/money.ts';
import { isConfirmable, type Actor } from '../../domain/payments/payment-state.ts';
import { customerHasPaid, findCoupon, findCouponByCode, reserveCouponTry } from '../../store/coupons.ts';
import { limits } from '../../domain/limits.ts';
import { findPayment, type PaymentPatch, type PaymentRecord, type Scope } from '../../store/payments.ts';
import type { CouponRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { transitionPayment } from '../payments/payment-transitions.ts';

/** What a coupon is checked against. */
export interface CouponTarget {
  paymentId: string;
  amountOriginal: bigint;
  currency: string;
  customerId: string | null;
  paymentMethodTypes: readonly string[];
}

export type CouponPatch = Required<Pick<PaymentPatch, 'amount' | 'coupon_id' | 'coupon_code' | 'amount_discount'>>;

export function termsOf(coupon: CouponRow): CouponTerms {
  return {
    discountType: coupon.discount_type,
    percentOff: coupon.percent_off,
    amountOff: coupon.amount_off,
    currency: coupon.currency,
    minimumAmount: coupon.minimum_amount,
    startsAt: coupon.starts_at,
    endsAt: coupon.ends_at,
    paymentMethodTypes: coupon.payment_method_types,
    disabledAt: coupon.disabled_at,
  };
}

/** The payment's columns with the coupon `code` applied (null: none), or the coupon's error. */
export async function couponPatchFor(context: FlowContext, scope: Scope, target: CouponTarget, code: string | null): Promise<CouponPatch> {
  if (code === null) return { amount: target.amountOriginal, coupon_id: null, coupon_code: null, amount_discount: 0n };
  const normalized = normalizeCouponCode(code);
  const coupon = normalized.length > 0 ? await findCouponByCode(context.db, scope, normalized) : undefined;
  if (!coupon) throw new PaymentError('coupon_unknown', { param: 'coupon', paymentId: target.paymentId, details: { coupon: code.slice(0, 40) } });
  await checkCoupon(context, scope, coupon, target);
  const discount = discountOf(termsOf(coupon), target.amountOriginal);
  return { amount: target.amountOriginal - discount, coupon_id: coupon.id, coupon_code: coupon.code, amount_discount: discount };
}

/** Every rule but the limits, which confirm reserves atomically; throws the first that fails. */
export async function checkCoupon(context: FlowContext, scope: Scope, coupon: CouponRow, target: CouponTarget): Promise<void> {
  const problem = couponProblem(termsOf(coupon), {
    now: now(context),
    currency: target.currency,
    amountOriginal: target.amountOriginal,
    paymentMethodTypes: target.paymentMethodTypes,
  });
  const base = { param: 'coupon', paymentId: target.paymentId };
  if (problem !== null) throw new PaymentError(problem, { ...base, details: couponErrorDetails(coupon) });
  // Advisory, so a payer hears it when applying the code; the limit itself is reserved atomically at confirm.
  if (coupon.redemptions_max !== null && coupon.redemptions_held >= coupon.redemptions_max) {
    throw new PaymentError('coupon_limit_reached', { ...base, details: { coupon: coupon.code } });
  }
  const perCustomer = coupon.first_payment_only || coupon.redemptions_per_customer_max !== null;
  if (perCustomer && target.customerId === null) throw new PaymentError('coupon_customer_required', { ...base, details: { coupon: coupon.code } });
  if (coupon.first_payment_only && target.customerId !== null && (await customerHasPaid(context.db, scope, target.customerId, target.paymentId))) {
    throw new PaymentError('coupon_first_payment_only', { ...base, details: { coupon: coupon.code } });
  }
}

/** What the coupon errors' messages name: the code, its window, minimum, currency and methods. */
export function couponErrorDetails(coupon: CouponRow) {
  return {
    coupon: coupon.code,
    starts_at: coupon.starts_at?.toISOString().slice(0, 16).replace('T', ' ') ?? null,
    ends_at: coupon.ends_at?.toISOString().slice(0, 16).replace('T', ' ') ?? null,
    minimum: isCurrency(coupon.currency) ? `${formatDecimal(coupon.minimum_amount, coupon.currency)} ${coupon.currency}` : String(coupon.minimum_amount),
    coupon_currency: coupon.currency,
    allowed: (coupon.payment_method_types ?? []).join(', '),
  };
}

export function originalAmountOf(payment: PaymentRecord): bigint {
  return payment.amount + payment.amount_discount;
}

/**
 * Applies (or with null removes) a coupon on a payment the payer has not
 * confirmed yet: the checkout's coupon field and the merchant's update.
 */
export async function applyCoupon(context: FlowContext, scope: Scope, paymentId: string, code: string | null, actor: Actor): Promise<PaymentRecord> {
  const payment = await findPayment(context.db, scope, paymentId);
  if (!payment) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'payment', id: paymentId } });
  if (!isConfirmable(payment.status)) {
    throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: payment.status, action: 'updated' } });
  }
  // A payer's tries are counted before the code is looked up, so codes cannot be guessed one request after another.
  if (actor === 'payer' && code !== null && !(await reserveCouponTry(context.db, payment, limits.couponTriesPerPaymentMax))) {
    throw new PaymentError('coupon_tries_exhausted', { param: 'coupon', paymentId });
  }
  const patch = await couponPatchFor(context, scope, targetOf(payment), code);
  if (patch.coupon_id === payment.coupon_id && patch.amount === payment.amount) return payment;
  const updated = await transitionPayment(context, payment, {
    to: payment.status,
    actor,
    reason: patch.coupon_id === null ? 'coupon_removed' : 'coupon_applied',
    patch,
    eventTypes: ['payment.updated'],
  });
  if (!updated) throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: 'changing', action: 'updated' } });
  return updated;
}

export function targetOf(payment: PaymentRecord, methodTypes: readonly string[] = payment.payment_method_types): CouponTarget {
  return {
    paymentId: payment.id,
    amountOriginal: originalAmountOf(payment),
    currency: payment.currency,
    customerId: payment.customer_id,
    paymentMethodTypes: methodTypes,
  };
}

/**
 * At confirm, the coupon on the payment must still apply, with the method
 * chosen: a window that closed, a disabled coupon, or a method it is not
 * for is refused before anything moves. Its limits are reserved by the
 * confirm's transition itself. Points asked for with a coupon that does
 * not stack with them are refused here too, before any point is reserved.
 */
export async function checkCouponAtConfirm(context: FlowContext, scope: Scope, payment: PaymentRecord, methodType: string, pointsRequested = 0): Promise<void> {
  if (payment.coupon_id === null) return;
  const coupon = await findCoupon(context.db, scope, payment.coupon_id);
  if (!coupon) throw new Error(`payment ${payment.id} names coupon ${payment.coupon_id}, which is not its merchant's`);
  await checkCoupon(context, scope, coupon, targetOf(payment, [methodType]));
  if (pointsRequested > 0 && !coupon.stackable_with_points) {
    throw new PaymentError('coupon_not_stackable_with_points', { param: 'points', paymentId: payment.id });
  }
}
