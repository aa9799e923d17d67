import { getEndpoint, presentEndpoint } from '../../../../flows/notifications/webhook-endpoints.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Endpoint, tags } from './schemas.ts';

export function registerWebhookEndpointsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/webhook_endpoints/:id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Retrieve a webhook endpoint', security: bearerAuth, params: IdParams, response: { 200: Endpoint, ...errorResponses(401, 404) } } },
    async (request) => presentEndpoint(await getEndpoint(deps.context, scopeOf(request), request.params.id)),
  );
}
