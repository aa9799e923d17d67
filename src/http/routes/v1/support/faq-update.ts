import { Type } from 'typebox';
import { changeFaqEntry } from '../../../../flows/support/faq.ts';
import { IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { FaqAnswer, FaqEntry, FaqPosition, FaqQuestion } from './schemas.ts';

export function registerFaqUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/faq/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: 'Change an FAQ entry: only the fields given',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({ question: Type.Optional(FaqQuestion), answer: Type.Optional(FaqAnswer), position: Type.Optional(FaqPosition) }),
        response: { 200: FaqEntry, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => changeFaqEntry(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
