/**
 * What a succeeded refund does to points: the ids and the returned lot's
 * expiry for the CTEs that take back the refund's share of the points the
 * payment earned and give back its share of the points it spent
 * (store/loyalty.ts `pointsRefundCtes`). Nothing when the payment neither
 * earned nor spent points.
 */
import type { PointsRefund } from '../../store/loyalty.ts';
import { findPointsPayment, findProgramme } from '../../store/loyalty.ts';
import type { RefundRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';

/** Points given back by a refund expire after the programme's expiry, counted from the refund; 365 days without a programme. */
const returnedExpiryDaysDefault = 365;

export async function pointsOfRefund(context: FlowContext, refund: RefundRow): Promise<PointsRefund | undefined> {
  const basis = await findPointsPayment(context.db, refund.merchant_id, refund.payment_id);
  if (!basis) return undefined;
  const scope = { merchantId: refund.merchant_id, mode: refund.mode };
  const programme = basis.spent > 0n ? await findProgramme(context.db, scope) : null;
  const expiryDays = programme?.terms.expiry_days ?? returnedExpiryDaysDefault;
  const at = now(context);
  return {
    scope,
    customerId: basis.customer_id,
    paymentId: refund.payment_id,
    refundId: refund.id,
    reverseTransactionId: context.ids.newId('ltx'),
    returnTransactionId: context.ids.newId('ltx'),
    returnedLotId: context.ids.newId('plt'),
    returnedExpiresAt: new Date(at.getTime() + expiryDays * 24 * 3_600_000),
  };
}
