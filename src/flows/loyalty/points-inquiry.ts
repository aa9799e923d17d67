/**
 * What the checkout shows of the payer's points for a payment: the balance,
 * the most this payment can take (the programme's cap, what the payer has),
 * its value and what would remain to pay. Null when points do not apply.
 */
import { pointsValue, redemptionOf } from '../../domain/loyalty/programme.ts';
import { amountToJson } from '../../domain/money.ts';
import { findProgramme, pointsBalances } from '../../store/loyalty.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { matureCustomerPoints } from './mature-points.ts';

export async function pointsInquiry(context: FlowContext, payment: PaymentRecord) {
  if (payment.customer_id === null || payment.purpose !== 'payment') return null;
  const scope = { merchantId: payment.merchant_id, mode: payment.mode };
  const programme = await findProgramme(context.db, scope);
  if (!programme || !programme.enabled || programme.currency !== payment.currency) return null;
  await matureCustomerPoints(context, payment.customer_id);
  const balances = await pointsBalances(context.db, scope, payment.customer_id);
  const amountOriginal = payment.amount + payment.points_value;
  // What this payment already holds counts as the payer's: choosing again may take it.
  const usableBalance = balances.available + payment.points_redeemed;
  const best = usableBalance > 0n ? redemptionOf(programme, amountOriginal, usableBalance) : { points: 0n, value: 0n };
  return {
    balance: amountToJson(balances.available),
    balance_value: amountToJson(pointsValue(programme, balances.available)),
    usable: amountToJson(best.points),
    usable_value: amountToJson(best.value),
    amount_original: amountToJson(amountOriginal),
    amount_due_with_points: amountToJson(amountOriginal - best.value),
    redeemed: amountToJson(payment.points_redeemed),
  };
}
