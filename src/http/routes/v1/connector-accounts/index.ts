/** The connector account routes, /v1/connector_accounts…: one route per file. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerConnectorAccountsCreate } from './create.ts';
import { registerConnectorAccountsList } from './list.ts';
import { registerConnectorAccountsUpdate } from './update.ts';

/** `defaultBaseUrls`: where each connector's bundled simulator listens, the gateway of an account created without one. */
export function registerConnectorAccounts(app: App, deps: RouteDeps & { defaultBaseUrls: Partial<Record<string, string>> }): void {
  registerConnectorAccountsCreate(app, deps);
  registerConnectorAccountsList(app, deps);
  registerConnectorAccountsUpdate(app, deps);
}
