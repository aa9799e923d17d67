import { getSurveyForPayer } from '../../../../flows/support/nps-surveys.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { NpsSurvey, SurveyTokenQuery } from './schemas.ts';

export function registerSurveyRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/nps_surveys/:id',
    {
      config: { addressLimit: 'payer' },
      schema: { tags: ['Support'], summary: 'An emailed NPS survey, by its answer link', params: IdParams, querystring: SurveyTokenQuery, response: { 200: NpsSurvey, ...errorResponses(400, 404) } },
    },
    async (request) => getSurveyForPayer(deps.context, request.params.id, request.query.token),
  );
}
