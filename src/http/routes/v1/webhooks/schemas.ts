/** Schemas several webhook routes share: the endpoint, the event, and the fields an endpoint is created or changed with. */
import { Type } from 'typebox';
import { eventTypes } from '../../../../domain/notifications/event-types.ts';
import { Nullable, stringEnum } from '../../../schemas.ts';

export const tags = ['Webhooks'];

export const EventTypeFilter = Type.Array(Type.String({ maxLength: 64 }), {
  minItems: 1,
  maxItems: eventTypes.length + 1,
  description: `Event types, or ["*"] for all: ${eventTypes.join(', ')}.`,
});

export const Url = Type.String({
  maxLength: 2000,
  pattern: '^https?://',
  description:
    'https in live mode; http is allowed in test mode. It must reach a public address (`url_not_public` otherwise, checked when saved and again on every connection): loopback, private, link-local, metadata and other internal addresses are refused, in test mode too unless the operator sets PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST=true.',
});

export const Endpoint = Type.Object({
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

export const Event = Type.Object({
  id: Type.String(),
  object: Type.Literal('event'),
  type: Type.String(),
  livemode: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  data: Type.Object({}, { additionalProperties: true }),
});
