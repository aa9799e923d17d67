/** Registers the risk routes (one route per file): rules (with back-tests and the signal catalog), reviews, the blocklist, and each payment's risk and fraud mark. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerRiskAnalytics } from './analytics.ts';
import { registerBlocklistsCreate } from './blocklists-create.ts';
import { registerBlocklistsDelete } from './blocklists-delete.ts';
import { registerBlocklistsList } from './blocklists-list.ts';
import { registerPaymentFraud } from './payments-fraud.ts';
import { registerPaymentRisk } from './payments-risk.ts';
import { registerReviewsApprove } from './reviews-approve.ts';
import { registerReviewsList } from './reviews-list.ts';
import { registerReviewsReject } from './reviews-reject.ts';
import { registerRiskRulesBacktest } from './rules-backtest.ts';
import { registerRiskRulesBacktestSaved } from './rules-backtest-saved.ts';
import { registerRiskRulesCreate } from './rules-create.ts';
import { registerRiskRulesDelete } from './rules-delete.ts';
import { registerRiskRulesList } from './rules-list.ts';
import { registerRiskRulesOrder } from './rules-order.ts';
import { registerRiskRulesRetrieve } from './rules-retrieve.ts';
import { registerRiskRulesUpdate } from './rules-update.ts';
import { registerRiskSettingsRetrieve } from './settings-retrieve.ts';
import { registerRiskSettingsUpdate } from './settings-update.ts';
import { registerRiskSignals } from './signals.ts';

export function registerRiskRoutes(app: App, deps: RouteDeps): void {
  registerRiskSignals(app);
  registerRiskRulesCreate(app, deps);
  registerRiskRulesList(app, deps);
  registerRiskRulesOrder(app, deps);
  registerRiskRulesBacktest(app, deps);
  registerRiskRulesBacktestSaved(app, deps);
  registerRiskRulesRetrieve(app, deps);
  registerRiskRulesUpdate(app, deps);
  registerRiskRulesDelete(app, deps);
  registerReviewsList(app, deps);
  registerReviewsApprove(app, deps);
  registerReviewsReject(app, deps);
  registerBlocklistsCreate(app, deps);
  registerBlocklistsList(app, deps);
  registerBlocklistsDelete(app, deps);
  registerPaymentRisk(app, deps);
  registerPaymentFraud(app, deps);
  registerRiskSettingsRetrieve(app, deps);
  registerRiskSettingsUpdate(app, deps);
  registerRiskAnalytics(app, deps);
}
