/** The merchant's webhook endpoints: created with a signing secret shown once, listed, changed, deleted; and their deliveries. */
import { PaymentError } from '../../domain/errors.ts';
import { eventTypes } from '../../domain/notifications/event-types.ts';
import { limits } from '../../domain/limits.ts';
import { seal } from '../../domain/secrets.ts';
import type { Scope } from '../../store/payments.ts';
import type { WebhookEndpointRow } from '../../store/schema.ts';
import {
  countEndpoints,
  deleteEndpoint,
  findEndpoint,
  findEvent,
  insertEndpoint,
  listDeliveries,
  listEndpoints,
  redeliverEvent,
  updateEndpoint,
  type DeliveryWithAttempts,
} from '../../store/webhooks.ts';
import { now, type FlowContext } from '../context.ts';
import { checkOutboundUrl } from './outbound-urls.ts';

export interface EndpointInput {
  url: string;
  enabled_events: string[];
  description?: string;
}

/** An endpoint must be reachable, public, and say nothing secret in its address; live mode also needs TLS. */
async function checkUrl(context: FlowContext, url: string, scope: Scope): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PaymentError('parameter_invalid', { param: 'url', details: { reason: 'not an absolute URL' } });
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && scope.mode === 'test')) {
    throw new PaymentError('parameter_invalid', { param: 'url', details: { reason: 'live endpoints must use https (test endpoints may use http)' } });
  }
  if (parsed.username || parsed.password) {
    throw new PaymentError('parameter_invalid', { param: 'url', details: { reason: 'credentials do not belong in the URL; verify the signature instead' } });
  }
  await checkOutboundUrl(context, url, scope.mode, 'url');
}

function checkEvents(events: string[]): string[] {
  const unknown = events.find((type) => type !== '*' && !(eventTypes as readonly string[]).includes(type));
  if (unknown) throw new PaymentError('parameter_invalid', { param: 'enabled_events', details: { reason: `${unknown} is not an event type` } });
  return [...new Set(events)];
}

export async function createEndpoint(context: FlowContext, scope: Scope, input: EndpointInput) {
  await checkUrl(context, input.url, scope);
  const enabledEvents = checkEvents(input.enabled_events);
  if ((await countEndpoints(context.db, scope)) >= limits.webhookEndpointsPerMerchantMax) {
    throw new PaymentError('parameter_invalid', { param: 'url', details: { reason: `at most ${limits.webhookEndpointsPerMerchantMax} endpoints per merchant and mode` } });
  }
  const id = context.ids.newId('we');
  const secret = `whsec_${context.random.bytes(24).toString('base64url')}`;
  const endpoint = await insertEndpoint(context.db, scope, {
    id,
    url: input.url,
    description: input.description ?? null,
    enabledEvents,
    secretSealed: seal(secret, context.keys.credentials, id),
    now: now(context),
  });
  return { ...presentEndpoint(endpoint), secret };
}

export async function getEndpoint(context: FlowContext, scope: Scope, id: string): Promise<WebhookEndpointRow> {
  const endpoint = await findEndpoint(context.db, scope, id);
  if (!endpoint) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'webhook endpoint', id } });
  return endpoint;
}

export async function changeEndpoint(
  context: FlowContext,
  scope: Scope,
  id: string,
  input: { url?: string; enabled_events?: string[]; description?: string; enabled?: boolean },
) {
  if (input.url !== undefined) await checkUrl(context, input.url, scope);
  const updated = await updateEndpoint(context.db, scope, id, {
    url: input.url,
    description: input.description,
    enabledEvents: input.enabled_events === undefined ? undefined : checkEvents(input.enabled_events),
    enabled: input.enabled,
    now: now(context),
  });
  if (!updated) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'webhook endpoint', id } });
  return presentEndpoint(updated);
}

export async function removeEndpoint(context: FlowContext, scope: Scope, id: string) {
  const deleted = await deleteEndpoint(context.db, scope, id, now(context));
  if (!deleted) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'webhook endpoint', id } });
  return { id: deleted.id, object: 'webhook_endpoint' as const, deleted: true as const };
}

export async function endpointList(context: FlowContext, scope: Scope) {
  const rows = await listEndpoints(context.db, scope);
  return { object: 'list' as const, data: rows.map(presentEndpoint), has_more: false };
}

export async function endpointDeliveries(context: FlowContext, scope: Scope, id: string, page: { limit?: number; starting_after?: string }) {
  const endpoint = await getEndpoint(context, scope, id);
  const result = await listDeliveries(context.db, scope, endpoint.id, { limit: page.limit ?? limits.pageSizeDefault, startingAfter: page.starting_after, triesMax: 20 });
  return { object: 'list' as const, data: result.data.map(presentDelivery), has_more: result.hasMore };
}

export async function redeliver(context: FlowContext, scope: Scope, eventId: string) {
  const event = await findEvent(context.db, scope, eventId);
  if (!event) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'event', id: eventId } });
  const queued = await redeliverEvent(context.db, scope, event.id, now(context));
  return { object: 'event_redelivery' as const, event: event.id, deliveries_queued: queued };
}

export function presentEndpoint(endpoint: WebhookEndpointRow) {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint' as const,
    livemode: endpoint.mode === 'live',
    url: endpoint.url,
    description: endpoint.description,
    enabled_events: endpoint.enabled_events,
    status: endpoint.status,
    disabled_reason: endpoint.disabled_reason,
    failing_since: endpoint.failing_since?.toISOString() ?? null,
    created_at: endpoint.created_at.toISOString(),
    updated_at: endpoint.updated_at.toISOString(),
  };
}

function presentDelivery(delivery: DeliveryWithAttempts) {
  return {
    id: delivery.id,
    object: 'webhook_delivery' as const,
    endpoint: delivery.endpoint_id,
    event: delivery.event_id,
    event_type: delivery.event_type,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.next_attempt_at?.toISOString() ?? null,
    last_response_status: delivery.last_response_status,
    last_error: delivery.last_error,
    created_at: delivery.created_at.toISOString(),
    updated_at: delivery.updated_at.toISOString(),
    tries: delivery.tries.map((t) => ({
      attempt: t.attempt,
      attempted_at: t.attempted_at.toISOString(),
      url: t.request_url,
      response_status: t.response_status,
      response_body: t.response_body,
      response_bytes: t.response_bytes,
      duration_ms: t.duration_ms,
      error: t.error,
    })),
  };
}

export { presentEvent } from '../../domain/notifications/present-event.ts';
