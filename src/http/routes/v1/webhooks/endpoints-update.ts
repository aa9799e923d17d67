import { Type } from 'typebox';
import { changeEndpoint } from '../../../../flows/notifications/webhook-endpoints.ts';
import { IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Endpoint, EventTypeFilter, Url, tags } from './schemas.ts';

export function registerWebhookEndpointsUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/webhook_endpoints/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Update a webhook endpoint',
        description: '`enabled: true` turns a disabled endpoint back on (and forgets its failing streak); redeliver what it missed with POST /v1/events/:id/redeliver.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({
          url: Type.Optional(Url),
          enabled_events: Type.Optional(EventTypeFilter),
          description: Type.Optional(Type.String({ maxLength: 500 })),
          enabled: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Endpoint, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => changeEndpoint(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
