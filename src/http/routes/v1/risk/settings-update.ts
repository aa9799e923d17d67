import { Type } from 'typebox';
import { changeRiskSettings } from '../../../../flows/risk/provider-marks.ts';
import { errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { FraudBlockChoiceSchema, RiskSettings, tags } from './schemas.ts';

const Body = requestObject({ provider_mark_blocks: Type.Array(FraudBlockChoiceSchema, { maxItems: 6, description: 'An empty list adds nothing.' }) });

export function registerRiskSettingsUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/risk_settings',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: "Change the merchant's risk settings",
        description: 'Which values of a payment a fraud mark from the acquirer (early fraud warning, chargeback) adds to the blocklist.',
        security: bearerAuth,
        body: Body,
        response: { 200: RiskSettings, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => changeRiskSettings(deps.context, scopeOf(request), request.body),
  );
}
