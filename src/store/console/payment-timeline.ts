/**
 * Everything recorded about one payment, for its timeline: status history,
 * provider attempts, checkout funnel, refunds, messages to the payer, and the
 * webhook deliveries of its events. Each list is oldest first and bounded.
 *
 * Events have no index by the object they are about; a payment's events are
 * written with its state changes, so they are found in short windows of ids
 * (ids sort by time) around each change, read through the merchant's index.
 */
import { idFloorAt } from '../../domain/ids.ts';
import type { Db } from '../database.ts';
import type { Scope } from '../payments.ts';

export async function paymentHistory(db: Db, scope: Scope, paymentId: string, limit: number) {
  return db.selectFrom('payment_events').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', scope.merchantId).orderBy('id', 'asc').limit(limit).execute();
}

export async function paymentAttempts(db: Db, scope: Scope, paymentId: string, limit: number) {
  return db.selectFrom('payment_attempts').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', scope.merchantId).orderBy('id', 'asc').limit(limit).execute();
}

export async function paymentFunnel(db: Db, scope: Scope, paymentId: string, limit: number) {
  return db.selectFrom('funnel_events').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', scope.merchantId).orderBy('id', 'asc').limit(limit).execute();
}

export async function paymentRefunds(db: Db, scope: Scope, paymentId: string, limit: number) {
  return db.selectFrom('refunds').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', scope.merchantId).orderBy('id', 'asc').limit(limit).execute();
}

export async function paymentMessages(db: Db, scope: Scope, paymentId: string, limit: number) {
  return db
    .selectFrom('messages')
    .select(['id', 'channel', 'purpose', 'recipient', 'locale', 'subject', 'status', 'attempts', 'last_error', 'sent_at', 'created_at', 'event_id'])
    .where('payment_id', '=', paymentId)
    .where('merchant_id', '=', scope.merchantId)
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
}

/** How far around a state change its events are looked for. */
const eventWindowBeforeMs = 1_000;
const eventWindowAfterMs = 60_000;

/**
 * The webhook deliveries of the events about `objectIds` (the payment and its
 * refunds) written around the instants given (its state changes).
 */
export async function webhookDeliveriesAround(db: Db, scope: Scope, objectIds: readonly string[], instants: readonly Date[], limit: number) {
  if (objectIds.length === 0 || instants.length === 0) return [];
  const windows = instants.map((at) => [idFloorAt('evt', at.getTime() - eventWindowBeforeMs), idFloorAt('evt', at.getTime() + eventWindowAfterMs)] as const);
  return db
    .selectFrom('events')
    .innerJoin('webhook_deliveries', (join) => join.onRef('webhook_deliveries.merchant_id', '=', 'events.merchant_id').onRef('webhook_deliveries.event_id', '=', 'events.id'))
    .innerJoin('webhook_endpoints', (join) => join.onRef('webhook_endpoints.merchant_id', '=', 'webhook_deliveries.merchant_id').onRef('webhook_endpoints.id', '=', 'webhook_deliveries.endpoint_id'))
    .select([
      'webhook_deliveries.id',
      'events.id as event_id',
      'events.type as event_type',
      'webhook_endpoints.id as endpoint',
      'webhook_endpoints.url as endpoint_url',
      'webhook_deliveries.status',
      'webhook_deliveries.attempts',
      'webhook_deliveries.last_response_status',
      'webhook_deliveries.last_error',
      'webhook_deliveries.created_at',
      'webhook_deliveries.last_attempted_at',
    ])
    .where('events.merchant_id', '=', scope.merchantId)
    .where('events.mode', '=', scope.mode)
    .where((eb) => eb.or(windows.map(([low, high]) => eb.and([eb('events.id', '>=', low), eb('events.id', '<', high)]))))
    .where('events.object_id', 'in', [...objectIds])
    .orderBy('webhook_deliveries.id', 'asc')
    .limit(limit)
    .execute();
}

export async function findMessage(db: Db, scope: Scope, id: string) {
  return db.selectFrom('messages').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

export async function findMessageByDedupeKey(db: Db, scope: Scope, dedupeKey: string) {
  return db.selectFrom('messages').selectAll().where('merchant_id', '=', scope.merchantId).where('dedupe_key', '=', dedupeKey).executeTakeFirstOrThrow();
}
