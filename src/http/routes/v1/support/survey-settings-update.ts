import { Type } from 'typebox';
import { updateSurveySettings } from '../../../../flows/support/nps-surveys.ts';
import { errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { SurveySettings } from './schemas.ts';

export function registerSurveySettingsUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/nps_survey_settings',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: 'Turn NPS surveys on or off, and set their delay and period (only the fields given)',
        description:
          'A survey is emailed `delay_days` after a payment succeeded (to a customer with an email address who has not opted out of email or unsubscribed from surveys), at most once per customer per period of `period_days`. Payments that succeeded more than a week before their due day are never surveyed.',
        security: bearerAuth,
        body: requestObject({
          enabled: Type.Optional(Type.Boolean()),
          delay_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 90 })),
          period_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
        }),
        response: { 200: SurveySettings, ...errorResponses(400, 401) },
      },
    },
    async (request) => updateSurveySettings(deps.context, scopeOf(request), request.body),
  );
}
