import { getRiskRule } from '../../../../flows/risk/rules.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { RiskRule, tags } from './schemas.ts';

export function registerRiskRulesRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/risk_rules/:id',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'Retrieve a risk rule', security: bearerAuth, params: IdParams, response: { 200: RiskRule, ...errorResponses(401, 403, 404) } },
    },
    async (request) => getRiskRule(deps.context, scopeOf(request), request.params.id),
  );
}
