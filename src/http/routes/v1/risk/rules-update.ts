import { changeRiskRule } from '../../../../flows/risk/rules.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { RiskRule, UpdateRiskRuleBody, tags } from './schemas.ts';

export function registerRiskRulesUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/risk_rules/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Update a risk rule',
        description: 'A new expression is checked as on creation. `enabled: false` keeps the rule (and its place) without evaluating it.',
        security: bearerAuth,
        params: IdParams,
        body: UpdateRiskRuleBody,
        response: { 200: RiskRule, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => changeRiskRule(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
