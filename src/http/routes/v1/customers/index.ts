/** The customer routes, /v1/customers…: one route per file (a customer's wallet is under ../wallet). */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerCustomersCreate } from './create.ts';
import { registerCustomersRetrieve } from './retrieve.ts';
import { registerCustomersUpdate } from './update.ts';

export function registerCustomers(app: App, deps: RouteDeps): void {
  registerCustomersCreate(app, deps);
  registerCustomersRetrieve(app, deps);
  registerCustomersUpdate(app, deps);
}
