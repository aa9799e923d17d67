import { backtestRule, getRiskRule } from '../../../../flows/risk/rules.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Backtest, backtestDescription, tags } from './schemas.ts';

export function registerRiskRulesBacktestSaved(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/risk_rules/:id/backtest',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'Back-test a saved rule at its place', description: backtestDescription, security: bearerAuth, params: IdParams, response: { 200: Backtest, ...errorResponses(401, 403, 404) } },
    },
    async (request) => {
      const scope = scopeOf(request);
      const rule = await getRiskRule(deps.context, scope, request.params.id);
      return backtestRule(deps.context, scope, { expression: rule.expression, action: rule.action, position: rule.position, excludeRuleId: rule.id });
    },
  );
}
