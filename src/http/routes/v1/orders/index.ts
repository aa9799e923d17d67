/**
 * The order routes: the payer's order page and after-sales requests (by the
 * order link's token, no API key), and the merchant's fulfillment events and
 * decisions. One route per file.
 */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerAfterSalesRequestsApprove } from './after-sales-requests-approve.ts';
import { registerAfterSalesRequestsCreate } from './after-sales-requests-create.ts';
import { registerAfterSalesRequestsList } from './after-sales-requests-list.ts';
import { registerAfterSalesRequestsReject } from './after-sales-requests-reject.ts';
import { registerAfterSalesRequestsRetrieve } from './after-sales-requests-retrieve.ts';
import { registerFulfillmentEventsCreate } from './fulfillment-events-create.ts';
import { registerOrdersRetrieve } from './retrieve.ts';

export function registerOrders(app: App, deps: RouteDeps): void {
  registerOrdersRetrieve(app, deps);
  registerAfterSalesRequestsCreate(app, deps);
  registerFulfillmentEventsCreate(app, deps);
  registerAfterSalesRequestsList(app, deps);
  registerAfterSalesRequestsRetrieve(app, deps);
  registerAfterSalesRequestsApprove(app, deps);
  registerAfterSalesRequestsReject(app, deps);
}
