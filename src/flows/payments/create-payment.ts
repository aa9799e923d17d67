/** Creating a payment: validate, then one atomic write of the payment, its first history row and `payment.created`. */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { isCurrency, isValidAmount } from '../../domain/money.ts';
import { isChannel } from '../../connectors/registry.ts';
import { findCustomer } from '../../store/customers.ts';
import { enabledPaymentMethodTypes } from '../../store/connector-accounts.ts';
import { findPayment, insertPayment, type PaymentRecord, type Scope } from '../../store/payments.ts';
import type { PaymentPurpose } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { presentPayment } from './present.ts';
import { couponPatchFor } from '../coupons/apply-coupon.ts';

export interface OrderInput {
  reference: string;
  description?: string;
  items?: { name: string; quantity: number; unit_amount: number }[];
}

export interface CreatePaymentInput {
  amount: number;
  currency: string;
  capture_method?: 'automatic' | 'manual';
  payment_method_types?: string[];
  customer?: string;
  order?: OrderInput;
  description?: string;
  metadata?: Record<string, string>;
  return_url?: string;
  expires_in_seconds?: number;
  /** A coupon code: `amount` is then the original price, and the payment charges it less the discount. */
  coupon?: string;
}

export async function createPayment(
  context: FlowContext,
  scope: Scope,
  input: CreatePaymentInput,
  purpose: PaymentPurpose = 'payment',
): Promise<PaymentRecord> {
  const amount = BigInt(input.amount);
  if (!Number.isSafeInteger(input.amount) || !isValidAmount(amount)) throw new PaymentError('amount_invalid', { param: 'amount' });
  if (!isCurrency(input.currency)) {
    throw new PaymentError('currency_invalid', { param: 'currency', details: { currency: input.currency } });
  }
  const currency = input.currency;
  // A channel that cannot take the currency is neither offered nor accepted when asked for: confirming would fail.
  const offered = (await offeredMethodTypes(context, scope, purpose)).filter((type) => takesCurrency(context, type, currency));
  // The wallet pays for a customer's own payments: offered by default only when the payment names one.
  const methodTypes = input.payment_method_types
    ? [...new Set(input.payment_method_types)]
    : offered.filter((type) => type !== 'wallet' || input.customer !== undefined);
  if (methodTypes.includes('wallet') && input.customer === undefined && purpose === 'payment') {
    throw new PaymentError('parameter_missing', { param: 'customer' });
  }
  const unavailable = methodTypes.find((type) => !offered.includes(type));
  if (unavailable || methodTypes.length === 0) {
    throw new PaymentError('payment_method_unavailable', {
      param: 'payment_method_types',
      details: { payment_method_type: unavailable ?? '(none)', available: offered.join(', ') || '(none configured)' },
    });
  }
  if (input.customer && !(await findCustomer(context.db, scope, input.customer))) {
    throw new PaymentError('resource_missing', { param: 'customer', details: { resource: 'customer', id: input.customer } });
  }
  const paymentId = context.ids.newId('pay');
  const coupon = await couponPatchFor(
    context,
    scope,
    { paymentId, amountOriginal: amount, currency, customerId: input.customer ?? null, paymentMethodTypes: methodTypes },
    input.coupon ?? null,
  );
  const createdAt = now(context);
  const expiresInSeconds = input.expires_in_seconds ?? limits.paymentExpiresInSecondsDefault;
  const payment: PaymentRecord = {
    id: paymentId,
    merchant_id: scope.merchantId,
    mode: scope.mode,
    status: 'requires_payment_method',
    amount: coupon.amount,
    currency: input.currency,
    amount_capturable: 0n,
    amount_received: 0n,
    amount_refunded: 0n,
    capture_method: input.capture_method ?? 'automatic',
    payment_method_types: methodTypes,
    payment_method: null,
    customer_id: input.customer ?? null,
    order_details: input.order ?? null,
    description: input.description ?? null,
    metadata: input.metadata ?? {},
    client_secret: '',
    return_url: input.return_url ?? null,
    next_action: null,
    last_error: null,
    cancellation_reason: null,
    cancellation_comment: null,
    canceled_at: null,
    expires_at: new Date(createdAt.getTime() + expiresInSeconds * 1000),
    created_at: createdAt,
    updated_at: createdAt,
    version: 0,
    purpose,
    points_redeemed: 0n,
    points_value: 0n,
    points_earned: 0n,
    coupon_id: coupon.coupon_id,
    coupon_code: coupon.coupon_code,
    amount_discount: coupon.amount_discount,
  };
  payment.client_secret = `${payment.id}_secret_${context.random.bytes(18).toString('base64url')}`;
  const snapshot = presentPayment(payment, { publicBaseUrl: context.publicBaseUrl, locale: 'en', viewer: 'merchant' });
  await insertPayment(
    context.db,
    payment,
    { id: context.ids.newId('pev'), actor: 'merchant', reason: null, errorCode: null, declineCode: null, attemptId: null },
    [{ id: context.ids.newId('evt'), type: 'payment.created', data: { object: snapshot } }],
  );
  context.metrics.paymentsCreated.inc({ currency: payment.currency });
  return payment;
}

/**
 * Whether a payment method can take a payment in this currency: a channel
 * only in the currencies its protocol speaks (Alipay, WeChat Pay and UnionPay:
 * CNY); a card and the wallet (which holds a balance per currency) in any.
 */
export function takesCurrency(context: Pick<FlowContext, 'connectors'>, methodType: string, currency: string): boolean {
  if (!isChannel(methodType)) return true;
  return (context.connectors.channels[methodType].currencies as readonly string[]).includes(currency);
}

/** Every channel with an enabled account, and the wallet, which needs none; a top-up cannot be paid from the wallet it fills. */
async function offeredMethodTypes(context: FlowContext, scope: Scope, purpose: PaymentPurpose): Promise<string[]> {
  const channels = await enabledPaymentMethodTypes(context.db, scope);
  return purpose === 'wallet_top_up' ? channels : [...channels, 'wallet'];
}

export async function getPayment(context: FlowContext, scope: Scope, id: string): Promise<PaymentRecord> {
  const payment = await findPayment(context.db, scope, id);
  if (!payment) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'payment', id } });
  return payment;
}
