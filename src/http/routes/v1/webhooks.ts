import { Type } from 'typebox';
import { eventTypes } from '../../../domain/notifications/event-types.ts';
import { PaymentError } from '../../../domain/errors.ts';
import {
  changeEndpoint,
  createEndpoint,
  endpointDeliveries,
  endpointList,
  getEndpoint,
  presentEndpoint,
  presentEvent,
  redeliver,
  removeEndpoint,
} from '../../../flows/notifications/webhook-endpoints.ts';
import { findEvent, listEvents } from '../../../store/webhooks.ts';
import { IdParams, ListQuery, Nullable, errorResponses, listOf, requestObject, stringEnum } from '../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

const EventTypeFilter = Type.Array(Type.String({ maxLength: 64 }), {
  minItems: 1,
  maxItems: eventTypes.length + 1,
  description: `Event types, or ["*"] for all: ${eventTypes.join(', ')}.`,
});
const Url = Type.String({
  maxLength: 2000,
  pattern: '^https?://',
  description:
    'https in live mode; http is allowed in test mode. It must reach a public address (`url_not_public` otherwise, checked when saved and again on every connection): loopback, private, link-local, metadata and other internal addresses are refused, in test mode too unless the operator sets PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST=true.',
});

const Endpoint = Type.Object({
  id: Type.String(),
  object: Type.Literal('webhook_endpoint'),
  livemode: Type.Boolean(),
  url: Type.String(),
  description: Nullable(Type.String()),
  enabled_events: Type.Array(Type.String()),
  status: stringEnum(['enabled', 'disabled'] as const),
  disabled_reason: Nullable(Type.String({ description: '`failing_for_3_days`, `by_merchant` or `deleted`.' })),
  failing_since: Nullable(Type.String({ format: 'date-time' })),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  secret: Type.Optional(Type.String({ description: 'whsec_…: only in the answer to the creation. Verify each delivery with it.' })),
});

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

const Event = Type.Object({
  id: Type.String(),
  object: Type.Literal('event'),
  type: Type.String(),
  livemode: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  data: Type.Object({}, { additionalProperties: true }),
});

const tags = ['Webhooks'];

export function registerWebhooks(app: App, deps: RouteDeps): void {
  const context = deps.context;
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
    async (request) => createEndpoint(context, scopeOf(request), request.body),
  );

  app.get(
    '/v1/webhook_endpoints',
    { config: { auth: 'secret' }, schema: { tags, summary: 'List webhook endpoints', security: bearerAuth, response: { 200: listOf(Endpoint), ...errorResponses(401) } } },
    async (request) => endpointList(context, scopeOf(request)),
  );

  app.get(
    '/v1/webhook_endpoints/:id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Retrieve a webhook endpoint', security: bearerAuth, params: IdParams, response: { 200: Endpoint, ...errorResponses(401, 404) } } },
    async (request) => presentEndpoint(await getEndpoint(context, scopeOf(request), request.params.id)),
  );

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
    async (request) => changeEndpoint(context, scopeOf(request), request.params.id, request.body),
  );

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
    async (request) => removeEndpoint(context, scopeOf(request), request.params.id),
  );

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
    async (request) => endpointDeliveries(context, scopeOf(request), request.params.id, request.query),
  );

  app.get(
    '/v1/events',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'List events, newest first',
        security: bearerAuth,
        querystring: Type.Object({ ...ListQuery, type: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: listOf(Event), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const page = await listEvents(context.db, scopeOf(request), { type: request.query.type, startingAfter: request.query.starting_after, limit: request.query.limit ?? 10 });
      return { object: 'list' as const, data: page.data.map(presentEvent), has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/events/:id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Retrieve an event', security: bearerAuth, params: IdParams, response: { 200: Event, ...errorResponses(401, 404) } } },
    async (request) => {
      const event = await findEvent(context.db, scopeOf(request), request.params.id);
      if (!event) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'event', id: request.params.id } });
      return presentEvent(event);
    },
  );

  app.post(
    '/v1/events/:id/redeliver',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Send an event again to every enabled endpoint that wants it',
        security: bearerAuth,
        params: IdParams,
        response: {
          200: Type.Object({ object: Type.Literal('event_redelivery'), event: Type.String(), deliveries_queued: Type.Integer() }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request) => redeliver(context, scopeOf(request), request.params.id),
  );
}
