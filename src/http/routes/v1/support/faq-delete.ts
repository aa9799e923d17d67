import { Type } from 'typebox';
import { removeFaqEntry } from '../../../../flows/support/faq.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerFaqDelete(app: App, deps: RouteDeps): void {
  app.delete(
    '/v1/faq/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: 'Delete an FAQ entry',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Type.Object({ id: Type.String(), object: Type.Literal('faq_entry'), deleted: Type.Literal(true) }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => removeFaqEntry(deps.context, scopeOf(request), request.params.id),
  );
}
