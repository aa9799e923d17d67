/**
 * Redeeming points at confirm: the payer asks to use `points`; the value
 * (rounded down, capped by the programme) comes off the amount due, and the
 * points are reserved in the same transaction, under the payment's lock. The
 * provider is then asked for the amount due only. A confirm that asks for
 * other points first gives back what an earlier confirm reserved; the
 * reservation ends when the payment does (spent on success, given back when
 * it is declined, canceled or abandoned: flows/loyalty/points-transitions.ts).
 */
import { PaymentError } from '../../domain/errors.ts';
import { programmeLimits, redemptionOf } from '../../domain/loyalty/programme.ts';
import { isConfirmable } from '../../domain/payments/payment-state.ts';
import { ensurePointsAccounts, findProgramme, setPaymentPoints } from '../../store/loyalty.ts';
import { findPaymentById, type PaymentRecord } from '../../store/payments.ts';
import { now, type FlowContext } from '../context.ts';
import { matureCustomerPoints } from './mature-points.ts';

/** The payment with `requested` points applied (unchanged when they are already). */
export async function redeemPointsAtConfirm(context: FlowContext, payment: PaymentRecord, requested: number | undefined): Promise<PaymentRecord> {
  if (requested === undefined) return payment;
  const param = 'points';
  if (!Number.isSafeInteger(requested) || requested < 0 || requested > programmeLimits.redeemPointsMax) {
    throw new PaymentError('parameter_invalid', { param, paymentId: payment.id, details: { reason: `a whole number from 0 to ${programmeLimits.redeemPointsMax}` } });
  }
  if (!isConfirmable(payment.status)) return payment;
  const scope = { merchantId: payment.merchant_id, mode: payment.mode };
  let points = 0n;
  let value = 0n;
  if (requested > 0) {
    if (payment.customer_id === null || payment.purpose !== 'payment') throw new PaymentError('points_unavailable', { param, paymentId: payment.id });
    const programme = await findProgramme(context.db, scope);
    if (!programme || !programme.enabled || programme.currency !== payment.currency) throw new PaymentError('points_unavailable', { param, paymentId: payment.id });
    // The amount before any points: what the cap and the value are measured against.
    ({ points, value } = redemptionOf(programme, payment.amount + payment.points_value, BigInt(requested)));
    if (points === 0n) throw new PaymentError('points_too_few', { param, paymentId: payment.id });
  }
  if (points === payment.points_redeemed && value === payment.points_value) return payment;
  const at = now(context);
  const customerId = payment.customer_id;
  if (customerId === null) return payment;
  await ensurePointsAccounts(context.db, scope, customerId, () => context.ids.newId('lac'), at);
  await matureCustomerPoints(context, customerId);
  const result = await setPaymentPoints(context.db, scope, {
    paymentId: payment.id,
    customerId,
    version: payment.version,
    points,
    value,
    newId: () => context.ids.newId('ltx'),
    now: at,
  });
  if (result.kind === 'insufficient') {
    throw new PaymentError('points_insufficient', { param, paymentId: payment.id, details: { available: Number(result.available), available_amount: Number(result.available), requested: Number(points) } });
  }
  if (result.kind === 'changed') {
    throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: payment.status, action: 'confirmed' } });
  }
  const updated = await findPaymentById(context.db, payment.merchant_id, payment.id);
  if (!updated) throw new Error(`payment ${payment.id} vanished`);
  return updated;
}
