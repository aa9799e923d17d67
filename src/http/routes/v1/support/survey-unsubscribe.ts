import { Type } from 'typebox';
import { unsubscribeFromSurvey } from '../../../../flows/support/nps-surveys.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { SurveyTokenQuery } from './schemas.ts';

const Unsubscribed = Type.Object({ object: Type.Literal('nps_unsubscribe'), survey: Type.String(), unsubscribed: Type.Literal(true) });

/**
 * The unsubscribe link of a survey email: a GET (the link is clicked) and a
 * POST (RFC 8058 one-click, `List-Unsubscribe-Post`), both idempotent.
 */
export function registerSurveyUnsubscribe(app: App, deps: RouteDeps): void {
  for (const method of ['get', 'post'] as const) {
    app[method](
      '/v1/nps_surveys/:id/unsubscribe',
      {
        config: { addressLimit: 'payer' },
        schema: {
          tags: ['Support'],
          summary: 'Stop NPS surveys from this merchant to this customer (the link in every survey email)',
          description: 'No survey is queued for the customer afterwards, and a survey email not yet sent is not sent. Repeating it changes nothing.',
          params: IdParams,
          querystring: SurveyTokenQuery,
          response: { 200: Unsubscribed, ...errorResponses(400, 404) },
        },
      },
      async (request) => unsubscribeFromSurvey(deps.context, request.params.id, request.query.token),
    );
  }
}
