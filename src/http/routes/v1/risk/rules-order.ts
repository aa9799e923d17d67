import { Type } from 'typebox';
import { reorderRiskRules } from '../../../../flows/risk/rules.ts';
import { errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { RiskRule, tags } from './schemas.ts';

const Body = requestObject({ rules: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'Every rule id, once, in the new order.' }) });

export function registerRiskRulesOrder(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/risk_rules/order',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Order the risk rules',
        security: bearerAuth,
        body: Body,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(RiskRule), has_more: Type.Boolean() }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ object: 'list' as const, data: await reorderRiskRules(deps.context, scopeOf(request), request.body.rules), has_more: false }),
  );
}
