/**
 * A merchant's coupons: create, read (with their redemptions recounted from
 * the rows), list, and disable. What a coupon does to a payment is in
 * apply-coupon.ts; its redemptions move with their payments (store/coupons.ts).
 */
import { couponCodePattern, normalizeCouponCode, type CouponDiscountType } from '../../domain/coupons/coupon-rules.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { amountToJson, isCurrency, isValidAmount } from '../../domain/money.ts';
import {
  disableCoupon as disableCouponRow,
  findCoupon,
  insertCoupon,
  listCoupons as listCouponRows,
  listRedemptions,
  redemptionCounts,
  type RedemptionCounts,
} from '../../store/coupons.ts';
import type { Scope } from '../../store/scope.ts';
import type { CouponRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';

export interface CreateCouponInput {
  code: string;
  name?: string;
  campaign?: string;
  percent_off?: number;
  amount_off?: number;
  currency: string;
  minimum_amount?: number;
  starts_at?: string;
  ends_at?: string;
  max_redemptions?: number;
  max_redemptions_per_customer?: number;
  first_payment_only?: boolean;
  payment_method_types?: string[];
  stackable_with_points?: boolean;
  metadata?: Record<string, string>;
}

export type CouponView = ReturnType<typeof presentCoupon>;

export async function createCoupon(context: FlowContext, scope: Scope, input: CreateCouponInput): Promise<CouponView> {
  const code = normalizeCouponCode(input.code);
  if (!couponCodePattern.test(code)) {
    throw new PaymentError('parameter_invalid', { param: 'code', details: { reason: '3 to 40 letters, digits, _ or -' } });
  }
  if (!isCurrency(input.currency)) throw new PaymentError('currency_invalid', { param: 'currency', details: { currency: input.currency } });
  const discountType = discountTypeOf(input);
  const amountOff = input.amount_off === undefined ? null : BigInt(input.amount_off);
  if (amountOff !== null && !isValidAmount(amountOff)) throw new PaymentError('amount_invalid', { param: 'amount_off' });
  const startsAt = timeOf(input.starts_at, 'starts_at');
  const endsAt = timeOf(input.ends_at, 'ends_at');
  if (startsAt && endsAt && startsAt >= endsAt) throw new PaymentError('parameter_invalid', { param: 'ends_at', details: { reason: 'after starts_at' } });
  const at = now(context);
  const result = await insertCoupon(context.db, {
    id: context.ids.newId('cpn'),
    merchant_id: scope.merchantId,
    mode: scope.mode,
    code,
    campaign: input.campaign ?? null,
    name: input.name ?? null,
    discount_type: discountType,
    percent_off: input.percent_off ?? null,
    amount_off: amountOff,
    currency: input.currency,
    minimum_amount: BigInt(input.minimum_amount ?? 0),
    starts_at: startsAt,
    ends_at: endsAt,
    redemptions_max: input.max_redemptions ?? null,
    redemptions_per_customer_max: input.max_redemptions_per_customer ?? null,
    first_payment_only: input.first_payment_only ?? false,
    payment_method_types: input.payment_method_types ? [...new Set(input.payment_method_types)] : null,
    stackable_with_points: input.stackable_with_points ?? false,
    metadata: input.metadata ?? {},
    created_at: at,
    updated_at: at,
  });
  if (result.kind === 'code_taken') throw new PaymentError('coupon_code_taken', { param: 'code', details: { coupon: code } });
  return presentCoupon(result.coupon, emptyCounts(), at);
}

function discountTypeOf(input: CreateCouponInput): CouponDiscountType {
  if ((input.percent_off === undefined) === (input.amount_off === undefined)) {
    throw new PaymentError('parameter_invalid', { param: 'percent_off', details: { reason: 'give exactly one of percent_off and amount_off' } });
  }
  return input.percent_off !== undefined ? 'percentage' : 'fixed_amount';
}

function timeOf(text: string | undefined, param: string): Date | null {
  if (text === undefined) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new PaymentError('parameter_invalid', { param, details: { reason: 'not a time that can be compared' } });
  return date;
}

export async function getCoupon(context: FlowContext, scope: Scope, id: string): Promise<CouponView> {
  const coupon = await findCoupon(context.db, scope, id);
  if (!coupon) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'coupon', id } });
  const counts = await redemptionCounts(context.db, scope, [coupon.id]);
  return presentCoupon(coupon, counts.get(coupon.id) ?? emptyCounts(), now(context));
}

export async function listCoupons(
  context: FlowContext,
  scope: Scope,
  filter: { campaign?: string; startingAfter?: string; limit?: number },
): Promise<{ data: CouponView[]; hasMore: boolean }> {
  const page = await listCouponRows(context.db, scope, { ...filter, limit: filter.limit ?? limits.pageSizeDefault });
  const counts = await redemptionCounts(context.db, scope, page.data.map((coupon) => coupon.id));
  const at = now(context);
  return { data: page.data.map((coupon) => presentCoupon(coupon, counts.get(coupon.id) ?? emptyCounts(), at)), hasMore: page.hasMore };
}

/** Stops the coupon from being applied or confirmed from now on; redemptions already reserved run their course. */
export async function disableCoupon(context: FlowContext, scope: Scope, id: string): Promise<CouponView> {
  const coupon = await disableCouponRow(context.db, scope, id, now(context));
  if (!coupon) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'coupon', id } });
  const counts = await redemptionCounts(context.db, scope, [coupon.id]);
  return presentCoupon(coupon, counts.get(coupon.id) ?? emptyCounts(), now(context));
}

function emptyCounts(): RedemptionCounts {
  return { reserved: 0, consumed: 0, released: 0, restored: 0, discountConsumed: 0n, amountOriginalConsumed: 0n };
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export function presentCoupon(coupon: CouponRow, counts: RedemptionCounts, at: Date) {
  const active = coupon.disabled_at === null && (coupon.starts_at === null || coupon.starts_at <= at) && (coupon.ends_at === null || at < coupon.ends_at);
  return {
    id: coupon.id,
    object: 'coupon' as const,
    livemode: coupon.mode === 'live',
    code: coupon.code,
    name: coupon.name,
    campaign: coupon.campaign,
    discount_type: coupon.discount_type,
    percent_off: coupon.percent_off,
    amount_off: coupon.amount_off === null ? null : amountToJson(coupon.amount_off),
    currency: coupon.currency,
    minimum_amount: amountToJson(coupon.minimum_amount),
    starts_at: iso(coupon.starts_at),
    ends_at: iso(coupon.ends_at),
    max_redemptions: coupon.redemptions_max,
    max_redemptions_per_customer: coupon.redemptions_per_customer_max,
    first_payment_only: coupon.first_payment_only,
    payment_method_types: coupon.payment_method_types,
    stackable_with_points: coupon.stackable_with_points,
    metadata: coupon.metadata,
    active,
    disabled_at: iso(coupon.disabled_at),
    redemptions: {
      reserved: counts.reserved,
      consumed: counts.consumed,
      released: counts.released,
      restored: counts.restored,
      /** What counts against max_redemptions: reserved and consumed. */
      held: coupon.redemptions_held,
    },
    times_redeemed: counts.consumed,
    discount_given: amountToJson(counts.discountConsumed),
    amount_original_redeemed: amountToJson(counts.amountOriginalConsumed),
    created_at: coupon.created_at.toISOString(),
    updated_at: coupon.updated_at.toISOString(),
  };
}

/** A coupon's redemptions, newest first: the payments it brought. */
export async function listCouponRedemptions(
  context: FlowContext,
  scope: Scope,
  couponId: string,
  filter: { startingAfter?: string; limit: number },
) {
  const coupon = await findCoupon(context.db, scope, couponId);
  if (!coupon) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'coupon', id: couponId } });
  const page = await listRedemptions(context.db, scope, couponId, filter);
  return {
    data: page.data.map((redemption) => ({
      id: redemption.id,
      object: 'coupon_redemption' as const,
      coupon: redemption.coupon_id,
      payment: redemption.payment_id,
      customer: redemption.customer_id,
      status: redemption.status,
      amount_discount: amountToJson(redemption.amount_discount),
      currency: redemption.currency,
      reserved_at: redemption.reserved_at.toISOString(),
      released_at: iso(redemption.released_at),
      consumed_at: iso(redemption.consumed_at),
      restored_at: iso(redemption.restored_at),
    })),
    hasMore: page.hasMore,
  };
}
