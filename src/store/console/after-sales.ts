/**
 * After-sales requests as the console lists them: each with its payment's
 * currency, which the request's amount is in (the request row does not carry
 * it; the payment always exists, by its foreign key).
 */
import type { Db } from '../database.ts';
import type { Scope } from '../payments.ts';
import type { AfterSalesRequestRow } from '../schema.ts';

export async function afterSalesRequestsWithCurrency(db: Db, scope: Scope, filter: { status?: AfterSalesRequestRow['status']; startingAfter?: string; limit: number }) {
  let query = db
    .selectFrom('after_sales_requests as r')
    .innerJoin('payments as p', 'p.id', 'r.payment_id')
    .selectAll('r')
    .select('p.currency')
    .where('r.merchant_id', '=', scope.merchantId)
    .where('r.mode', '=', scope.mode);
  if (filter.status) query = query.where('r.status', '=', filter.status);
  if (filter.startingAfter) query = query.where('r.id', '<', filter.startingAfter);
  return query.orderBy('r.id', 'desc').limit(filter.limit + 1).execute();
}
