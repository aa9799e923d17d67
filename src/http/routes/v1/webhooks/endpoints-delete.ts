import { Type } from 'typebox';
import { removeEndpoint } from '../../../../flows/notifications/webhook-endpoints.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { tags } from './schemas.ts';

export function registerWebhookEndpointsDelete(app: App, deps: RouteDeps): void {
  app.delete(
    '/v1/webhook_endpoints/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Delete a webhook endpoint',
        description: 'Its pending deliveries stop; its delivery log is kept.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Type.Object({ id: Type.String(), object: Type.Literal('webhook_endpoint'), deleted: Type.Literal(true) }), ...errorResponses(401, 404) },
      },
    },
    async (request) => removeEndpoint(deps.context, scopeOf(request), request.params.id),
  );
}
