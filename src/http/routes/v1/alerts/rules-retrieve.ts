import { retrieveAlertRule } from '../../../../flows/insight/alert-rules.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AlertRule, tags } from './schemas.ts';

export function registerAlertRulesRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/alert_rules/:id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Retrieve an alert rule', security: bearerAuth, params: IdParams, response: { 200: AlertRule, ...errorResponses(401, 404) } } },
    async (request) => retrieveAlertRule(deps.context, scopeOf(request), request.params.id),
  );
}
