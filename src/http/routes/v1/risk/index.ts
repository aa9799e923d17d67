/** Registers the risk routes: rules (with back-tests and the signal catalog), reviews, the blocklist, and each payment's risk and fraud mark. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerRiskAnalytics } from './analytics.ts';
import { registerBlocklists } from './blocklists.ts';
import { registerPaymentRisk } from './payments.ts';
import { registerReviewsDecide } from './reviews-decide.ts';
import { registerReviewsList } from './reviews-list.ts';
import { registerRiskRulesBacktest } from './rules-backtest.ts';
import { registerRiskRulesCreate } from './rules-create.ts';
import { registerRiskRulesDelete } from './rules-delete.ts';
import { registerRiskRulesList } from './rules-list.ts';
import { registerRiskRulesOrder } from './rules-order.ts';
import { registerRiskRulesRetrieve } from './rules-retrieve.ts';
import { registerRiskRulesUpdate } from './rules-update.ts';
import { registerRiskSignals } from './signals.ts';

export function registerRiskRoutes(app: App, deps: RouteDeps): void {
  registerRiskSignals(app);
  registerRiskRulesCreate(app, deps);
  registerRiskRulesList(app, deps);
  registerRiskRulesOrder(app, deps);
  registerRiskRulesBacktest(app, deps);
  registerRiskRulesRetrieve(app, deps);
  registerRiskRulesUpdate(app, deps);
  registerRiskRulesDelete(app, deps);
  registerReviewsList(app, deps);
  registerReviewsDecide(app, deps);
  registerBlocklists(app, deps);
  registerPaymentRisk(app, deps);
  registerRiskAnalytics(app, deps);
}
