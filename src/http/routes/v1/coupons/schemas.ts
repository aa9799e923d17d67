/** The coupon objects the coupon routes answer, for their schemas and the OpenAPI description. */
import { Type } from 'typebox';
import { Metadata, Nullable, requestObject, stringEnum } from '../../../schemas.ts';
import { limits } from '../../../../domain/limits.ts';

const Timestamp = Type.String({ format: 'date-time' });

export const CouponMethodTypes = stringEnum(['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const);

export const Coupon = Type.Object({
  id: Type.String(),
  object: Type.Literal('coupon'),
  livemode: Type.Boolean(),
  code: Type.String({ description: 'Upper-case; payers may type it in any case.' }),
  name: Nullable(Type.String()),
  campaign: Nullable(Type.String()),
  discount_type: stringEnum(['percentage', 'fixed_amount'] as const),
  percent_off: Nullable(Type.Integer()),
  amount_off: Nullable(Type.Integer()),
  currency: Type.String(),
  minimum_amount: Type.Integer({ description: 'The original amount a payment needs, minor units.' }),
  starts_at: Nullable(Timestamp),
  ends_at: Nullable(Timestamp),
  max_redemptions: Nullable(Type.Integer()),
  max_redemptions_per_customer: Nullable(Type.Integer()),
  first_payment_only: Type.Boolean(),
  payment_method_types: Nullable(Type.Array(Type.String())),
  stackable_with_points: Type.Boolean({ description: 'Whether loyalty points may be spent on a payment that uses this coupon.' }),
  metadata: Type.Record(Type.String(), Type.String()),
  active: Type.Boolean({ description: 'Not disabled, and now within starts_at and ends_at.' }),
  disabled_at: Nullable(Timestamp),
  redemptions: Type.Object({
    reserved: Type.Integer({ description: 'Held by payments being confirmed.' }),
    consumed: Type.Integer({ description: 'Used by payments that succeeded and were not fully refunded.' }),
    released: Type.Integer({ description: 'Given back by payments that failed, were canceled or abandoned.' }),
    restored: Type.Integer({ description: 'Given back by full refunds.' }),
    held: Type.Integer({ description: 'What counts against max_redemptions: reserved + consumed.' }),
  }),
  times_redeemed: Type.Integer({ description: 'Consumed redemptions.' }),
  discount_given: Type.Integer({ description: 'What consumed redemptions took off their payments, minor units.' }),
  amount_original_redeemed: Type.Integer({ description: 'The original amount of the payments that consumed a redemption.' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const CouponRedemption = Type.Object({
  id: Type.String(),
  object: Type.Literal('coupon_redemption'),
  coupon: Type.String(),
  payment: Type.String(),
  customer: Nullable(Type.String()),
  status: stringEnum(['reserved', 'released', 'consumed', 'restored'] as const),
  amount_discount: Type.Integer(),
  currency: Type.String(),
  reserved_at: Timestamp,
  released_at: Nullable(Timestamp),
  consumed_at: Nullable(Timestamp),
  restored_at: Nullable(Timestamp),
});

export const CreateCouponBody = requestObject({
  code: Type.String({ minLength: 3, maxLength: 40, description: '3 to 40 letters, digits, _ or -; stored upper-case, unique per merchant and mode.' }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  campaign: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Groups coupons of one campaign; GET /v1/coupons?campaign= filters by it.' })),
  percent_off: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 100, description: 'Percent of the original amount, rounded down to a whole minor unit. Exactly one of percent_off and amount_off.' }),
  ),
  amount_off: Type.Optional(Type.Integer({ minimum: 1, maximum: Number(limits.amountMinorUnitsMax), description: 'Minor units of `currency`.' })),
  currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'The currency of the payments the coupon applies to.' }),
  minimum_amount: Type.Optional(Type.Integer({ minimum: 0, maximum: Number(limits.amountMinorUnitsMax), description: 'Minimum original amount, minor units.' })),
  starts_at: Type.Optional(Type.String({ format: 'date-time' })),
  ends_at: Type.Optional(Type.String({ format: 'date-time', description: 'The coupon applies before this instant (exclusive).' })),
  max_redemptions: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000_000_000 })),
  max_redemptions_per_customer: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Needs payments that name their customer.' })),
  first_payment_only: Type.Optional(Type.Boolean({ description: "Only for a customer's first succeeded payment at the merchant; needs payments that name their customer." })),
  payment_method_types: Type.Optional(Type.Array(CouponMethodTypes, { minItems: 1, maxItems: 5, description: 'Default: every method.' })),
  stackable_with_points: Type.Optional(Type.Boolean({ description: 'Default false.' })),
  metadata: Type.Optional(Metadata),
});
