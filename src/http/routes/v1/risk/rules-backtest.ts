import { backtestRule, getRiskRule } from '../../../../flows/risk/rules.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Backtest, BacktestBody, tags } from './schemas.ts';

const description =
  "Replays the rule on the newest risk decision of each payment decided in the last 30 days (their stored signals), after the merchant's enabled rules placed before it: how many payments it would have decided (e.g. blocked), and how many of those were later refunded, marked fraudulent, or succeeded. Nothing is changed.";

export function registerRiskRulesBacktest(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/risk_rules/backtest',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'Back-test a rule before saving it', description, security: bearerAuth, body: BacktestBody, response: { 200: Backtest, ...errorResponses(400, 401, 403) } },
    },
    async (request) => backtestRule(deps.context, scopeOf(request), request.body),
  );
  app.post(
    '/v1/risk_rules/:id/backtest',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'Back-test a saved rule at its place', description, security: bearerAuth, params: IdParams, response: { 200: Backtest, ...errorResponses(401, 403, 404) } },
    },
    async (request) => {
      const scope = scopeOf(request);
      const rule = await getRiskRule(deps.context, scope, request.params.id);
      return backtestRule(deps.context, scope, { expression: rule.expression, action: rule.action, position: rule.position, excludeRuleId: rule.id });
    },
  );
}
