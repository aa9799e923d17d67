/** Alert rules (/v1/alert_rules), their alerts (/v1/alerts) and where alerts are emailed (/v1/alert_settings): one route per file. */
import type { App, RouteDeps } from '../../route-kit.ts';
import { registerAlertsAcknowledge } from './acknowledge.ts';
import { registerAlertsList } from './list.ts';
import { registerAlertsRetrieve } from './retrieve.ts';
import { registerAlertRulesCreate } from './rules-create.ts';
import { registerAlertRulesDelete } from './rules-delete.ts';
import { registerAlertRulesList } from './rules-list.ts';
import { registerAlertRulesRetrieve } from './rules-retrieve.ts';
import { registerAlertRulesUpdate } from './rules-update.ts';
import { registerAlertSettingsRetrieve } from './settings-retrieve.ts';
import { registerAlertSettingsUpdate } from './settings-update.ts';

export function registerAlerts(app: App, deps: RouteDeps): void {
  registerAlertRulesCreate(app, deps);
  registerAlertRulesList(app, deps);
  registerAlertRulesRetrieve(app, deps);
  registerAlertRulesUpdate(app, deps);
  registerAlertRulesDelete(app, deps);
  registerAlertsList(app, deps);
  registerAlertsRetrieve(app, deps);
  registerAlertsAcknowledge(app, deps);
  registerAlertSettingsRetrieve(app, deps);
  registerAlertSettingsUpdate(app, deps);
}
