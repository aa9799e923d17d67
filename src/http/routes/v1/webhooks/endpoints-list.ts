import { endpointList } from '../../../../flows/notifications/webhook-endpoints.ts';
import { errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Endpoint, tags } from './schemas.ts';

export function registerWebhookEndpointsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/webhook_endpoints',
    { config: { auth: 'secret' }, schema: { tags, summary: 'List webhook endpoints', security: bearerAuth, response: { 200: listOf(Endpoint), ...errorResponses(401) } } },
    async (request) => endpointList(deps.context, scopeOf(request)),
  );
}
