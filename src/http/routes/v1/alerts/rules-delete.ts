import { Type } from 'typebox';
import { removeAlertRule } from '../../../../flows/insight/alert-rules.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { tags } from './schemas.ts';

export function registerAlertRulesDelete(app: App, deps: RouteDeps): void {
  app.delete(
    '/v1/alert_rules/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Delete an alert rule',
        description: 'Its open alert resolves (resolution rule_deleted); its alerts stay listed.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Type.Object({ id: Type.String(), object: Type.Literal('alert_rule'), deleted: Type.Literal(true) }), ...errorResponses(401, 404) },
      },
    },
    async (request) => removeAlertRule(deps.context, scopeOf(request), request.params.id),
  );
}
