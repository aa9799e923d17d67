import { getFaqEntry } from '../../../../flows/support/faq.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { FaqEntry } from './schemas.ts';

export function registerFaqRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/faq/:id',
    {
      config: { auth: 'secret' },
      schema: { tags: ['Support'], summary: 'An FAQ entry', security: bearerAuth, params: IdParams, response: { 200: FaqEntry, ...errorResponses(400, 401, 404) } },
    },
    async (request) => getFaqEntry(deps.context, scopeOf(request), request.params.id),
  );
}
