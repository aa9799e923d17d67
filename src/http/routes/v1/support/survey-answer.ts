import { Type } from 'typebox';
import { answerSurveyForPayer } from '../../../../flows/support/nps-surveys.ts';
import { IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { NpsSurvey } from './schemas.ts';

export function registerSurveyAnswer(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/nps_surveys/:id/answer',
    {
      config: { addressLimit: 'payer' },
      schema: {
        tags: ['Support'],
        summary: "The payer's answer to an emailed NPS survey (0–10)",
        description: "With the answer link's `token`. The first answer stands. It is kept in the payment's feedback and counted in `GET /v1/analytics/feedback`.",
        params: IdParams,
        body: requestObject({ token: Type.String({ maxLength: 64 }), score: Type.Integer({ minimum: 0, maximum: 10 }), comment: Type.Optional(Type.String({ maxLength: 500 })) }),
        response: { 200: NpsSurvey, ...errorResponses(400, 404) },
      },
    },
    async (request) => answerSurveyForPayer(deps.context, request.params.id, request.body),
  );
}
