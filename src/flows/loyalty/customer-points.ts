/** A customer's points: balances from the ledger, the next dates, and the movements, newest first. */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { pointsValue } from '../../domain/loyalty/programme.ts';
import { amountChangeToJson, amountToJson } from '../../domain/money.ts';
import { findCustomer } from '../../store/customers.ts';
import { findProgramme, listPointsHistory, nextPointsDates, pointsBalances, pointsTotals, type PointsHistoryRow } from '../../store/loyalty.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';
import { matureCustomerPoints } from './mature-points.ts';

export async function customerPoints(context: FlowContext, scope: Scope, customerId: string, filter: { starting_after?: string; limit?: number }) {
  const customer = await findCustomer(context.db, scope, customerId);
  if (!customer) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'customer', id: customerId } });
  // Lots whose delay has passed are spendable now, even if the worker has not run since.
  await matureCustomerPoints(context, customer.id);
  const [balances, programme, dates, history] = await Promise.all([
    pointsBalances(context.db, scope, customer.id),
    findProgramme(context.db, scope),
    nextPointsDates(context.db, scope, customer.id, now(context)),
    listPointsHistory(context.db, scope, customer.id, { startingAfter: filter.starting_after, limit: filter.limit ?? limits.pageSizeDefault }),
  ]);
  return {
    object: 'customer_points' as const,
    customer: customer.id,
    balance: amountToJson(balances.available),
    pending: amountToJson(balances.pending),
    reserved: amountToJson(balances.reserved),
    currency: programme?.currency ?? null,
    value: programme ? amountToJson(pointsValue(programme, balances.available)) : null,
    next_available_at: dates.next_available_at?.toISOString() ?? null,
    next_expiry_at: dates.next_expiry_at?.toISOString() ?? null,
    history: { object: 'list' as const, data: history.data.map(presentMovement), has_more: history.hasMore },
  };
}

function presentMovement(row: PointsHistoryRow) {
  return {
    id: row.id,
    object: 'points_movement' as const,
    type: row.kind,
    available_change: amountChangeToJson(row.available_change),
    pending_change: amountChangeToJson(row.pending_change),
    reserved_change: amountChangeToJson(row.reserved_change),
    payment: row.payment_id,
    refund: row.refund_id,
    created_at: row.created_at.toISOString(),
  };
}

/** Points issued, taken back, redeemed, given back and expired in a range, and the liability at its end. */
export async function pointsAnalytics(context: FlowContext, scope: Scope, range: { from?: string; to?: string }) {
  const from = range.from ? new Date(range.from) : null;
  const to = range.to ? new Date(range.to) : null;
  const [totals, programme] = await Promise.all([pointsTotals(context.db, scope, { from, to }), findProgramme(context.db, scope)]);
  return {
    object: 'points_analytics' as const,
    from: from?.toISOString() ?? null,
    to: to?.toISOString() ?? null,
    issued: amountToJson(totals.issued),
    reversed: amountToJson(totals.reversed),
    redeemed: amountToJson(totals.redeemed),
    returned: amountToJson(totals.returned),
    expired: amountToJson(totals.expired),
    outstanding: amountToJson(totals.outstanding),
    currency: programme?.currency ?? null,
    outstanding_value: programme ? amountToJson(pointsValue(programme, totals.outstanding)) : null,
  };
}
