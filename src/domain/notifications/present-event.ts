/**
 * An event as every outside system sees it: the API's events routes, each
 * webhook delivery and each message on the event stream carry these fields,
 * so a receiver dedupes on `id` wherever the event reached it from.
 */
export function presentEvent(event: { id: string; type: string; mode: string; data: unknown; created_at: Date }) {
  return { id: event.id, object: 'event' as const, type: event.type, livemode: event.mode === 'live', created_at: event.created_at.toISOString(), data: event.data as object };
}
