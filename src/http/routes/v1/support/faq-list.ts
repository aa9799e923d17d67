import { Type } from 'typebox';
import { listFaq } from '../../../../flows/support/faq.ts';
import { errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { FaqEntry, LocaleInput } from './schemas.ts';

export function registerFaqList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/faq',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: "The merchant's FAQ, by language, position and creation (all of it: its size is bounded)",
        security: bearerAuth,
        querystring: Type.Object({ locale: Type.Optional(LocaleInput) }, { additionalProperties: false }),
        response: { 200: listOf(FaqEntry), ...errorResponses(400, 401) },
      },
    },
    async (request) => listFaq(deps.context, scopeOf(request), request.query.locale),
  );
}
