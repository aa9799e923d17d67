/** The After-sales page's queue: the API's after-sales request objects, each with the currency of its amount. */
import { afterSalesRequestsWithCurrency } from '../../store/console/after-sales.ts';
import type { Scope } from '../../store/payments.ts';
import type { AfterSalesRequestRow } from '../../store/schema.ts';
import type { FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';
import { presentAfterSalesRequest } from '../checkout/orders.ts';

export async function listAfterSalesQueue(context: FlowContext, scope: Scope, filter: { status?: AfterSalesRequestRow['status']; startingAfter?: string; limit: number }) {
  const rows = await onReadDatabase(context, (db) => afterSalesRequestsWithCurrency(db, scope, filter));
  const data = rows.slice(0, filter.limit).map(({ currency, ...request }) => ({ ...presentAfterSalesRequest(request), currency }));
  return { data, hasMore: rows.length > filter.limit };
}
