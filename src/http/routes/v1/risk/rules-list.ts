import { Type } from 'typebox';
import { listRules } from '../../../../flows/risk/rules.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { RiskRule, tags } from './schemas.ts';

export function registerRiskRulesList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/risk_rules',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'List the risk rules in their order',
        security: bearerAuth,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(RiskRule), has_more: Type.Boolean() }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ object: 'list' as const, data: await listRules(deps.context, scopeOf(request)), has_more: false }),
  );
}
