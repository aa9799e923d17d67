import { removeRiskRule } from '../../../../flows/risk/rules.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Deleted, tags } from './schemas.ts';

export function registerRiskRulesDelete(app: App, deps: RouteDeps): void {
  app.delete(
    '/v1/risk_rules/:id',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'Delete a risk rule', description: 'Decisions it took keep its id in `rules_fired`.', security: bearerAuth, params: IdParams, response: { 200: Deleted('risk_rule'), ...errorResponses(401, 403, 404) } },
    },
    async (request) => removeRiskRule(deps.context, scopeOf(request), request.params.id),
  );
}
