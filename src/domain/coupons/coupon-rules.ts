/**
 * What a coupon takes off a price, whether it may be used, and what a
 * payment's status change does to its redemption. Pure: the flows read the
 * coupon and the payment, ask here, and write what is decided in the
 * statement that moves the payment.
 *
 * Rounding: a percentage is taken of the original amount in whole minor
 * units, rounded down (12 % of 1 999 fen is 239 fen, not 239.88), so a
 * payer never gets more than the percentage says. Every discount leaves at
 * least one minor unit to pay: a payment of zero cannot be charged, so a
 * 100 % coupon or a fixed amount at or above the price takes all but one
 * minor unit.
 */
import { assert } from '../assert.ts';
import type { PaymentStatus } from '../payments/payment-state.ts';

export const couponDiscountTypes = ['percentage', 'fixed_amount'] as const;
export type CouponDiscountType = (typeof couponDiscountTypes)[number];

/** The coupon's terms as the rules need them. */
export interface CouponTerms {
  discountType: CouponDiscountType;
  percentOff: number | null;
  amountOff: bigint | null;
  currency: string;
  minimumAmount: bigint;
  startsAt: Date | null;
  endsAt: Date | null;
  paymentMethodTypes: readonly string[] | null;
  disabledAt: Date | null;
}

/** Codes are compared without regard to case or surrounding spaces; stored upper-case. */
export function normalizeCouponCode(code: string): string {
  return code.trim().toUpperCase();
}

export const couponCodePattern = /^[A-Z0-9_-]{3,40}$/;

export function discountOf(terms: Pick<CouponTerms, 'discountType' | 'percentOff' | 'amountOff'>, amountOriginal: bigint): bigint {
  assert(amountOriginal >= 1n, 'a discount is taken of a positive amount');
  let discount: bigint;
  if (terms.discountType === 'percentage') {
    assert(terms.percentOff !== null && terms.percentOff >= 1 && terms.percentOff <= 100, 'a percentage coupon has 1–100 percent off');
    discount = (amountOriginal * BigInt(terms.percentOff)) / 100n;
  } else {
    assert(terms.amountOff !== null && terms.amountOff > 0n, 'a fixed-amount coupon has a positive amount off');
    discount = terms.amountOff;
  }
  return discount < amountOriginal ? discount : amountOriginal - 1n;
}

/** Why a coupon cannot apply to a payment now, as an error code of the catalog, or null. */
export type CouponProblem =
  | 'coupon_disabled'
  | 'coupon_not_yet_valid'
  | 'coupon_expired'
  | 'coupon_currency_mismatch'
  | 'coupon_minimum_not_met'
  | 'coupon_not_for_method';

export interface CouponUse {
  now: Date;
  currency: string;
  amountOriginal: bigint;
  /** The methods the payment may be paid with (when applying), or the one chosen (when confirming). */
  paymentMethodTypes: readonly string[];
}

/**
 * The first reason, in the order a payer would want to hear it, that the
 * coupon does not apply. A method restriction fails only when none of the
 * methods given is allowed: at confirm, one method is given.
 */
export function couponProblem(terms: CouponTerms, use: CouponUse): CouponProblem | null {
  if (terms.disabledAt !== null) return 'coupon_disabled';
  if (terms.startsAt !== null && use.now < terms.startsAt) return 'coupon_not_yet_valid';
  if (terms.endsAt !== null && use.now >= terms.endsAt) return 'coupon_expired';
  if (terms.currency !== use.currency) return 'coupon_currency_mismatch';
  if (use.amountOriginal < terms.minimumAmount) return 'coupon_minimum_not_met';
  const allowed = terms.paymentMethodTypes;
  if (allowed !== null && !use.paymentMethodTypes.some((type) => allowed.includes(type))) return 'coupon_not_for_method';
  return null;
}

/** What a change of a payment's status does to the redemption of its coupon. */
export type RedemptionStep = 'reserve' | 'reserve_consumed' | 'consume' | 'release' | null;

const open: readonly PaymentStatus[] = ['requires_payment_method', 'requires_confirmation'];

/**
 * Leaving an open status is the confirm: the redemption is reserved (or, when
 * the payment succeeds at once, consumed). Coming back to an open status (a
 * failed attempt, a switch of method) or being canceled (by the payer, the
 * merchant, or abandonment) releases it; succeeding consumes it.
 */
export function redemptionStepOf(from: PaymentStatus, to: PaymentStatus): RedemptionStep {
  const fromOpen = open.includes(from);
  if (fromOpen && to === 'succeeded') return 'reserve_consumed';
  if (fromOpen && !open.includes(to) && to !== 'canceled') return 'reserve';
  if (fromOpen) return null;
  if (to === 'succeeded' && from !== 'succeeded') return 'consume';
  if (open.includes(to) || to === 'canceled') return 'release';
  return null;
}
