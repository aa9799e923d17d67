import { getRiskSettings } from '../../../../flows/risk/provider-marks.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { RiskSettings, tags } from './schemas.ts';

export function registerRiskSettingsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/risk_settings',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: "The merchant's risk settings", security: bearerAuth, response: { 200: RiskSettings, ...errorResponses(401, 403) } },
    },
    async (request) => getRiskSettings(deps.context, scopeOf(request)),
  );
}
