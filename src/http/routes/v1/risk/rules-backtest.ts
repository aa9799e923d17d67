import { backtestRule } from '../../../../flows/risk/rules.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Backtest, BacktestBody, backtestDescription, tags } from './schemas.ts';

export function registerRiskRulesBacktest(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/risk_rules/backtest',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'Back-test a rule before saving it', description: backtestDescription, security: bearerAuth, body: BacktestBody, response: { 200: Backtest, ...errorResponses(400, 401, 403) } },
    },
    async (request) => backtestRule(deps.context, scopeOf(request), request.body),
  );
}
