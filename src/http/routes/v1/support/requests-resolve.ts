import { resolveSupportRequest } from '../../../../flows/support/merchant-actions.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { SupportRequest } from './schemas.ts';

export function registerSupportRequestsResolve(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/support_requests/:id/resolve',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: 'Mark the request resolved',
        description: 'Sets `resolved_at` (and `first_resolved_at` the first time). A resolved request answers 409.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: SupportRequest, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => resolveSupportRequest(deps.context, scopeOf(request), request.params.id),
  );
}
