import { changeAlertRule } from '../../../../flows/insight/alert-rules.ts';
import { IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AlertRule, EditableFields, tags } from './schemas.ts';

export function registerAlertRulesUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/alert_rules/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Update an alert rule',
        description: 'Turn it on or off, or change its window, threshold, baseline or minimum sample. An open alert keeps the level it triggered above until it resolves.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject(EditableFields),
        response: { 200: AlertRule, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => changeAlertRule(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
