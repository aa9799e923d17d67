/** Tables of coupons and their redemptions (migration 0028). */
import type { Generated } from 'kysely';
import type { BigIntColumn, ChildMerchantId, Json, Mode, Timestamp } from './columns.ts';

/** A merchant's coupon (migration 0028); its limits never change once created. */
export interface CouponsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  code: string;
  campaign: string | null;
  name: string | null;
  discount_type: 'percentage' | 'fixed_amount';
  percent_off: number | null;
  amount_off: BigIntColumn | null;
  currency: string;
  minimum_amount: BigIntColumn;
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  redemptions_max: number | null;
  redemptions_per_customer_max: number | null;
  first_payment_only: boolean;
  payment_method_types: string[] | null;
  stackable_with_points: boolean;
  /** Reserved + consumed redemptions: raised and lowered only in the statements that move their payments. */
  redemptions_held: Generated<number>;
  metadata: Json<Record<string, string>>;
  disabled_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CouponCustomerHoldsTable {
  coupon_id: string;
  customer_id: string;
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  held: number;
  held_max: number;
}

export type CouponRedemptionStatus = 'reserved' | 'released' | 'consumed' | 'restored';

export interface CouponRedemptionsTable {
  id: string;
  coupon_id: string;
  payment_id: string;
  merchant_id: string;
  mode: Mode;
  customer_id: string | null;
  status: CouponRedemptionStatus;
  amount_discount: BigIntColumn;
  currency: string;
  reserved_at: Timestamp;
  released_at: Timestamp | null;
  consumed_at: Timestamp | null;
  restored_at: Timestamp | null;
}
