import { Type } from 'typebox';
import { alertRuleList } from '../../../../flows/insight/alert-rules.ts';
import { ListQuery, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AlertRule, tags } from './schemas.ts';

export function registerAlertRulesList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/alert_rules',
    { config: { auth: 'secret' }, schema: { tags, summary: 'List alert rules', security: bearerAuth, querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: listOf(AlertRule), ...errorResponses(400, 401) } } },
    async (request) => alertRuleList(deps.context, scopeOf(request), request.query),
  );
}
