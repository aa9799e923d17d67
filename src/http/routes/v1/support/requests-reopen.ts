import { reopenSupportRequest } from '../../../../flows/support/merchant-actions.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { SupportRequest } from './schemas.ts';

export function registerSupportRequestsReopen(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/support_requests/:id/reopen',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: 'Reopen a resolved request',
        description: 'Counts in the reopen rate. Only a resolved request is reopened; otherwise 409. A payer writing again on a resolved request reopens it too.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: SupportRequest, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => reopenSupportRequest(deps.context, scopeOf(request), request.params.id),
  );
}
