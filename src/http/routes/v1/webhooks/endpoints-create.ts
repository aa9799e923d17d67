import { Type } from 'typebox';
import { createEndpoint } from '../../../../flows/notifications/webhook-endpoints.ts';
import { errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Endpoint, EventTypeFilter, Url, tags } from './schemas.ts';

export function registerWebhookEndpointsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/webhook_endpoints',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Create a webhook endpoint',
        description:
          'Events are POSTed with `Paypilot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Any 2xx is success; anything else, a redirect or no answer within 10 s is retried with exponential backoff and jitter for more than 3 days. An endpoint failing for 3 days is disabled and the merchant emailed. Deliveries may repeat and come out of order: dedupe on the event id.',
        security: bearerAuth,
        body: requestObject({ url: Url, enabled_events: EventTypeFilter, description: Type.Optional(Type.String({ maxLength: 500 })) }),
        response: { 200: Endpoint, ...errorResponses(400, 401) },
      },
    },
    async (request) => createEndpoint(deps.context, scopeOf(request), request.body),
  );
}
