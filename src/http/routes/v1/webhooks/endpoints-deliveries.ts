import { Type } from 'typebox';
import { endpointDeliveries } from '../../../../flows/notifications/webhook-endpoints.ts';
import { IdParams, ListQuery, Nullable, errorResponses, listOf, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { tags } from './schemas.ts';

const Delivery = Type.Object({
  id: Type.String(),
  object: Type.Literal('webhook_delivery'),
  endpoint: Type.String(),
  event: Type.String(),
  event_type: Type.String(),
  status: stringEnum(['pending', 'succeeded', 'failed', 'canceled'] as const),
  attempts: Type.Integer(),
  next_attempt_at: Nullable(Type.String({ format: 'date-time' })),
  last_response_status: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  tries: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      attempted_at: Type.String({ format: 'date-time' }),
      url: Type.String(),
      response_status: Nullable(Type.Integer()),
      response_body: Nullable(
        Type.String({
          description:
            'The first kilobyte of the answer; null when the endpoint resolved to an address that is not public (reachable only in test mode with PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST), so the log never shows what an internal service says.',
        }),
      ),
      response_bytes: Nullable(Type.Integer({ description: 'How many bytes of the answer were read (at most 1024: the rest is never read).' })),
      duration_ms: Type.Integer(),
      error: Nullable(Type.String()),
    }),
  ),
});

export function registerWebhookEndpointsDeliveries(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/webhook_endpoints/:id/deliveries',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: "An endpoint's delivery log, newest first",
        description: 'Each delivery (one event to this endpoint) with its tries: URL, response status, the first kilobyte of the answer, duration and error.',
        security: bearerAuth,
        params: IdParams,
        querystring: Type.Object(ListQuery, { additionalProperties: false }),
        response: { 200: listOf(Delivery), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => endpointDeliveries(deps.context, scopeOf(request), request.params.id, request.query),
  );
}
