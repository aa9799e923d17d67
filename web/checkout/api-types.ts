/**
 * The shapes the payer pages read from the API (see the checkout and order
 * endpoints in the brief and docs/API). Only what the pages use is typed;
 * anything else the API sends is ignored.
 */
import type { CancellationReason, PaymentStatus } from '../../src/domain/payments/payment-state.ts';
import type { PresentationOverrides } from '../../src/domain/experiments/checkout-presentation.ts';
import type { Lang } from './i18n.ts';

export const methodTypes = ['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const;
export type MethodType = (typeof methodTypes)[number];

export function isMethodType(value: unknown): value is MethodType {
  return typeof value === 'string' && (methodTypes as readonly string[]).includes(value);
}

/**
 * A code Paypilot itself sent the customer (SMS, else email) before any
 * provider is asked, because the merchant holds back customers flagged for
 * abuse of cancellation. A card's own code (the bank's) comes without it.
 */
export interface CustomerVerification {
  reason: 'customer_verification';
  channel: 'sms' | 'email';
  /** Masked: `•••• 8000`, `l•••@example.com`. */
  sent_to: string;
  expires_at: string;
}

export type NextAction =
  | { type: 'verify_otp'; verify_otp?: CustomerVerification }
  | { type: 'display_qr_code'; display_qr_code: { data: string; expires_at: string | null } }
  | { type: 'redirect_to_url'; redirect_to_url: { url: string } }
  | { type: 'wechat_pay_jsapi'; wechat_pay_jsapi: WechatPayJsapiParameters };

/** What WeixinJSBridge's getBrandWCPayRequest takes, signed by the server for this page. */
export interface WechatPayJsapiParameters {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

export type PaymentMethodSummary = { type: 'card'; card: { brand: string; last4: string } } | { type: Exclude<MethodType, 'card'> } | { type: string };

export interface OrderItem {
  name: string;
  quantity: number;
  unit_amount: number;
}

export interface Payment {
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  amount_refunded: number;
  /** With a coupon: the price before it, what it takes off (amount is what is charged), and its code. */
  amount_original?: number;
  amount_discount?: number;
  coupon?: string | null;
  payment_method: PaymentMethodSummary | null;
  order: { reference: string; description?: string | null; items?: OrderItem[] | null } | null;
  description: string | null;
  next_action: NextAction | null;
  last_error: { code: string; message: string; suggestion: string } | null;
  cancellation_reason: CancellationReason | null;
  expires_at: string | null;
  /** The merchant's address to return to; a confirm of a QR or redirect method points it at the checkout itself. */
  return_url?: string | null;
  /** Loyalty points: redeemed for this payment, their value (`amount` is what remains due), earned once it succeeded. */
  points?: { redeemed: number; value: number; amount_original: number; earned: number };
  created_at: string;
  updated_at: string;
}

export interface WalletInquiry {
  available: number;
  covers: boolean;
  shortfall: number;
  pin: { set: boolean; locked_until: string | null; attempts_remaining: number | null };
}

/** The payer's loyalty points for this payment (null on the session when points do not apply). */
export interface PointsInquiry {
  balance: number;
  balance_value: number;
  usable: number;
  usable_value: number;
  amount_original: number;
  amount_due_with_points: number;
  redeemed: number;
}

export interface Feedback {
  rating: number;
  comment: string | null;
  /** The optional 0–10 "would you recommend" answer, asked after the rating. */
  nps_score: number | null;
}

export interface CheckoutSession {
  object: 'checkout';
  payment: Payment;
  merchant: { name: string };
  customer_locale: Lang | null;
  methods: string[];
  preselected_method: string | null;
  wallet: WalletInquiry | null;
  points?: PointsInquiry | null;
  cancellation_reasons: string[];
  order_url: string | null;
  feedback: Feedback | null;
  /** How the checkout presents itself: the merchant's setting, with the payer's experiment variant over it (absent from older servers: the defaults). */
  presentation?: PresentationOverrides;
  /** The running experiment and this payer's variant, reported back with checkout_viewed (the exposure). */
  experiment?: { id: string; variant: string } | null;
}

export type TimelineType = 'paid' | 'shipped' | 'delivered' | 'refunded' | 'refund_failed' | 'canceled';
export type AfterSalesKind = 'refund' | 'exchange' | 'repair';
export const afterSalesKinds: readonly AfterSalesKind[] = ['refund', 'exchange', 'repair'];
export type AfterSalesStatus = 'pending' | 'approved' | 'rejected';

export interface AfterSalesRequest {
  id: string;
  kind: AfterSalesKind;
  reason: string;
  amount: number | null;
  status: AfterSalesStatus;
  merchant_note: string | null;
  created_at: string;
  decided_at: string | null;
  /** What became of the refund an approved refund request made (the order page only). */
  refund_status?: 'pending' | 'succeeded' | 'failed' | null;
}

export interface Order {
  object: 'order';
  id: string;
  order_number: string;
  merchant: { name: string };
  amount: number;
  currency: string;
  amount_refunded: number;
  status: PaymentStatus;
  payment_method: PaymentMethodSummary | null;
  description: string | null;
  items: OrderItem[] | null;
  created_at: string;
  customer_locale: Lang | null;
  timeline: { type: TimelineType; at: string; carrier: string | null; tracking_number: string | null; amount: number | null }[];
  after_sales_requests: AfterSalesRequest[];
  after_sales_allowed: boolean;
}

/** The `error` object of a failed call, with the extras some codes carry. */
export interface ApiErrorBody {
  code: string;
  message: string;
  suggestion: string;
  param?: string | null;
  attempts_remaining?: number;
  unlocks_at?: string;
  available?: number;
}
