import { getSupportRequest } from '../../../../flows/support/merchant-actions.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { SupportRequest } from './schemas.ts';

export function registerSupportRequestsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/support_requests/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: 'A support request with its thread',
        security: bearerAuth,
        params: IdParams,
        response: { 200: SupportRequest, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => getSupportRequest(deps.context, scopeOf(request), request.params.id),
  );
}
