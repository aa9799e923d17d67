import { Type } from 'typebox';
import { createFaqEntry } from '../../../../flows/support/faq.ts';
import { errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { FaqAnswer, FaqEntry, FaqPosition, FaqQuestion, LocaleInput } from './schemas.ts';

export function registerFaqCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/faq',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: 'Add an FAQ entry in one language (en, zh-CN, zh-TW)',
        security: bearerAuth,
        body: requestObject({ locale: LocaleInput, question: FaqQuestion, answer: FaqAnswer, position: Type.Optional(FaqPosition) }),
        response: { 200: FaqEntry, ...errorResponses(400, 401) },
      },
    },
    async (request) => createFaqEntry(deps.context, scopeOf(request), request.body),
  );
}
