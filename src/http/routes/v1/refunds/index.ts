/** The refund routes, /v1/refunds…: one route per file. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerRefundsCreate } from './create.ts';
import { registerRefundsList } from './list.ts';
import { registerRefundsRetrieve } from './retrieve.ts';

export function registerRefunds(app: App, deps: RouteDeps): void {
  registerRefundsCreate(app, deps);
  registerRefundsRetrieve(app, deps);
  registerRefundsList(app, deps);
}
