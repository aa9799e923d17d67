/** Registers the checkout experiment routes (one per file) and the checkout setting a stop can promote a variant to. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerCheckoutSettingRetrieve } from './checkout-setting.ts';
import { registerExperimentsCreate } from './create.ts';
import { registerExperimentsList } from './list.ts';
import { registerExperimentsResults } from './results.ts';
import { registerExperimentsRetrieve } from './retrieve.ts';
import { registerExperimentsStart } from './start.ts';
import { registerExperimentsStop } from './stop.ts';

export function registerExperimentRoutes(app: App, deps: RouteDeps): void {
  registerExperimentsCreate(app, deps);
  registerExperimentsList(app, deps);
  registerExperimentsRetrieve(app, deps);
  registerExperimentsStart(app, deps);
  registerExperimentsStop(app, deps);
  registerExperimentsResults(app, deps);
  registerCheckoutSettingRetrieve(app, deps);
}
