/** The API key routes, /v1/api_keys…: one route per file. */
import type { InvalidationListener } from '../../../../store/invalidation.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerApiKeysCreate } from './create.ts';
import { registerApiKeysList } from './list.ts';
import { registerApiKeysRevoke } from './revoke.ts';
import { registerApiKeysRoll } from './roll.ts';

/** Rolling and revoking answer once every API process has heard of the change, through `invalidation`. */
export function registerApiKeys(app: App, deps: RouteDeps & { invalidation: InvalidationListener | null }): void {
  registerApiKeysCreate(app, deps);
  registerApiKeysList(app, deps);
  registerApiKeysRoll(app, deps);
  registerApiKeysRevoke(app, deps);
}
