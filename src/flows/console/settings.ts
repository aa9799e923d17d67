/** Console settings owners and admins change: for now, how much support staff may refund per payment, per currency. */
import { amountToJson } from '../../domain/money.ts';
import { findRefundLimit, listRefundLimits, setRefundLimit } from '../../store/console/refund-limits.ts';
import { now, type FlowContext } from '../context.ts';
import { audit, byMember, type ConsoleActor } from './audit.ts';

export async function refundLimits(context: FlowContext, merchantId: string) {
  const rows = await listRefundLimits(context.db, merchantId);
  return { object: 'refund_limits' as const, data: rows.map((row) => ({ currency: row.currency, amount_max: amountToJson(row.amount_max) })) };
}

export async function changeRefundLimit(context: FlowContext, actor: ConsoleActor, input: { currency: string; amount_max: number }) {
  await context.db.transaction().execute(async (trx) => {
    const before = await findRefundLimit(trx, actor.merchantId, input.currency);
    await setRefundLimit(trx, actor.merchantId, input.currency, BigInt(input.amount_max), now(context));
    await audit(
      context,
      trx,
      byMember(actor, 'settings.refund_limit_changed', { type: 'refund_limit', id: input.currency }, { before: { amount_max: before }, after: { amount_max: input.amount_max } }),
    );
  });
  return refundLimits(context, actor.merchantId);
}
