import { getSurveySettings } from '../../../../flows/support/nps-surveys.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { SurveySettings } from './schemas.ts';

export function registerSurveySettingsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/nps_survey_settings',
    {
      config: { auth: 'secret' },
      schema: { tags: ['Support'], summary: 'When NPS surveys are emailed after a payment', security: bearerAuth, response: { 200: SurveySettings, ...errorResponses(401) } },
    },
    async (request) => getSurveySettings(deps.context, scopeOf(request)),
  );
}
