import { createRiskRule } from '../../../../flows/risk/rules.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { CreateRiskRuleBody, RiskRule, tags } from './schemas.ts';

export function registerRiskRulesCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/risk_rules',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Create a risk rule',
        description: 'The expression is parsed and type-checked now: an error answers 400 `risk_rule_invalid` with `position`, the character where it was found. A new rule goes last.',
        security: bearerAuth,
        body: CreateRiskRuleBody,
        response: { 200: RiskRule, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => createRiskRule(deps.context, scopeOf(request), request.body),
  );
}
