/**
 * Changing a payment before the payer confirms it: the amount (a price
 * change on the order), the description, the metadata (merged, as Stripe
 * does: an empty string removes a key) and the order. Written like a status
 * change, with its history row (`amount_changed` when the amount changed,
 * else `updated`) and `payment.updated`, in one statement; a payment already
 * confirmed, paid or canceled cannot change.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { isValidAmount } from '../../domain/money.ts';
import { isConfirmable } from '../../domain/payments/payment-state.ts';
import type { PaymentPatch, PaymentRecord, Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { getPayment, type OrderInput } from './create-payment.ts';
import { transitionPayment } from './payment-transitions.ts';
import { couponPatchFor, originalAmountOf, targetOf } from '../coupons/apply-coupon.ts';

export interface UpdatePaymentInput {
  amount?: number;
  description?: string;
  metadata?: Record<string, string>;
  order?: OrderInput;
  /** A coupon code to apply, or '' to remove the payment's coupon. */
  coupon?: string;
}

export async function updatePayment(context: FlowContext, scope: Scope, paymentId: string, input: UpdatePaymentInput): Promise<PaymentRecord> {
  const payment = await getPayment(context, scope, paymentId);
  if (!isConfirmable(payment.status)) {
    throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: payment.status, action: 'updated' } });
  }
  const fromCoupon = await couponChange(context, scope, payment, input);
  const patch = { ...patchOf(payment, input), ...fromCoupon };
  // With a coupon, the amount charged is the coupon's to say: an original price equal to the present one changes nothing.
  if (payment.coupon_id !== null || input.coupon !== undefined) {
    if (fromCoupon.amount === undefined) delete patch.amount;
  }
  if (Object.keys(patch).length === 0) return payment;
  const updated = await transitionPayment(context, payment, {
    to: payment.status,
    actor: 'merchant',
    reason: patch.amount !== undefined && patch.amount !== payment.amount && input.amount !== undefined ? 'amount_changed' : 'updated',
    patch,
    eventTypes: ['payment.updated'],
  });
  if (!updated) throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: 'changing', action: 'updated' } });
  return updated;
}

/**
 * With a coupon on the payment, a new `amount` is the new original price: the discount is computed again
 * (and the coupon checked again, a minimum spend say). `coupon` applies another code, or '' removes it.
 */
async function couponChange(context: FlowContext, scope: Scope, payment: PaymentRecord, input: UpdatePaymentInput): Promise<PaymentPatch> {
  if (input.coupon === undefined && (input.amount === undefined || payment.coupon_code === null)) return {};
  const code = input.coupon === undefined ? payment.coupon_code : input.coupon === '' ? null : input.coupon;
  const amountOriginal = input.amount !== undefined ? BigInt(input.amount) : originalAmountOf(payment);
  if (!Number.isSafeInteger(Number(amountOriginal)) || !isValidAmount(amountOriginal)) throw new PaymentError('amount_invalid', { param: 'amount' });
  const patch = await couponPatchFor(context, scope, { ...targetOf(payment), amountOriginal }, code);
  // Always answers the amount (it overrides patchOf's, which is the original price), the rest only where it changes.
  const changed: PaymentPatch = patch.amount === payment.amount ? {} : { amount: patch.amount };
  if (patch.coupon_id !== payment.coupon_id) Object.assign(changed, { coupon_id: patch.coupon_id, coupon_code: patch.coupon_code });
  if (patch.amount_discount !== payment.amount_discount) changed.amount_discount = patch.amount_discount;
  return changed;
}

/** Only what differs from the stored payment, so an update that changes nothing writes nothing. */
function patchOf(payment: PaymentRecord, input: UpdatePaymentInput): PaymentPatch {
  const patch: PaymentPatch = {};
  if (input.amount !== undefined) {
    const amount = BigInt(input.amount);
    if (!Number.isSafeInteger(input.amount) || !isValidAmount(amount)) throw new PaymentError('amount_invalid', { param: 'amount' });
    if (amount !== payment.amount) patch.amount = amount;
  }
  if (input.description !== undefined && input.description !== payment.description) patch.description = input.description;
  if (input.metadata !== undefined) {
    const merged: Record<string, string> = { ...payment.metadata };
    for (const [key, value] of Object.entries(input.metadata)) {
      if (value === '') delete merged[key];
      else merged[key] = value;
    }
    if (Object.keys(merged).length > limits.metadataKeysMax) {
      throw new PaymentError('parameter_invalid', { param: 'metadata', details: { reason: `at most ${limits.metadataKeysMax} keys` } });
    }
    if (JSON.stringify(merged) !== JSON.stringify(payment.metadata)) patch.metadata = merged;
  }
  if (input.order !== undefined && JSON.stringify(input.order) !== JSON.stringify(payment.order_details)) patch.order_details = input.order;
  return patch;
}
