/**
 * Webhook endpoints, their deliveries and the log of every try.
 *
 * Deliveries are created by the `events_queue` trigger (migration 0061) in
 * the transaction that writes the event. A worker takes one by *claiming*
 * it: a single UPDATE that succeeds for one worker only and gives it a lease.
 * The outcome of the try, the delivery's next time, the endpoint's failing
 * streak and the job for the next try are written in one statement.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from './schema.ts';

export interface NewEndpoint {
  id: string;
  url: string;
  description: string | null;
  enabledEvents: string[];
  secretSealed: Buffer;
  now: Date;
}

export async function insertEndpoint(db: Db, scope: Scope, endpoint: NewEndpoint): Promise<WebhookEndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({
      id: endpoint.id,
      merchant_id: scope.merchantId,
      mode: scope.mode,
      url: endpoint.url,
      description: endpoint.description,
      enabled_events: endpoint.enabledEvents,
      secret_sealed: endpoint.secretSealed,
      status: 'enabled',
      disabled_reason: null,
      failing_since: null,
      created_at: endpoint.now,
      updated_at: endpoint.now,
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function countEndpoints(db: Db, scope: Scope): Promise<number> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findEndpoint(db: Db, scope: Scope, id: string): Promise<WebhookEndpointRow | undefined> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function listEndpoints(db: Db, scope: Scope): Promise<WebhookEndpointRow[]> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null)
    .orderBy('id', 'desc')
    .execute();
}

export async function updateEndpoint(
  db: Db,
  scope: Scope,
  id: string,
  change: { url?: string; description?: string | null; enabledEvents?: string[]; enabled?: boolean; now: Date },
): Promise<WebhookEndpointRow | undefined> {
  return db
    .updateTable('webhook_endpoints')
    .set({
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.enabledEvents !== undefined ? { enabled_events: change.enabledEvents } : {}),
      // Turning an endpoint back on forgets its failing streak: it starts afresh.
      ...(change.enabled !== undefined
        ? { status: change.enabled ? 'enabled' : 'disabled', disabled_reason: change.enabled ? null : 'by_merchant', failing_since: null }
        : {}),
      updated_at: change.now,
    })
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Deleted endpoints keep their deliveries' log; their pending deliveries are canceled. */
export async function deleteEndpoint(db: Db, scope: Scope, id: string, now: Date): Promise<WebhookEndpointRow | undefined> {
  const result = await sql<WebhookEndpointRow>`
    with deleted as (
      update webhook_endpoints set deleted_at = ${now}, status = 'disabled', disabled_reason = 'deleted', updated_at = ${now}
       where id = ${id} and merchant_id = ${scope.merchantId} and mode = ${scope.mode} and deleted_at is null
      returning *
    ),
    canceled as (
      update webhook_deliveries set status = 'canceled', next_attempt_at = null, updated_at = ${now}
       where merchant_id = ${scope.merchantId} and endpoint_id in (select id from deleted) and status = 'pending'
    )
    select * from deleted
  `.execute(db);
  return result.rows[0];
}

export interface ClaimedDelivery {
  delivery: WebhookDeliveryRow;
  endpoint: WebhookEndpointRow;
  event: { id: string; type: string; mode: string; data: unknown; created_at: Date };
}

/**
 * A delivery as a job or the sweep names it: its id and its merchant. Jobs
 * carry the merchant since it was added to the payload (a failed try's next
 * job, a redelivery); the sweep reads it from the row.
 */
export interface DeliveryRef {
  id: string;
  merchantId: string;
}

/**
 * Takes a due delivery for one try: only one caller gets it, until its lease
 * runs out (a worker killed mid-delivery leaves its lease to expire).
 */
export async function claimDelivery(db: Db, ref: DeliveryRef, now: Date, leaseMs: number): Promise<ClaimedDelivery | null> {
  const result = await sql<WebhookDeliveryRow>`
    update webhook_deliveries ${claimChange(now, leaseMs)}
     where merchant_id = ${ref.merchantId} and id = ${ref.id} and ${claimable(now)}
    returning *
  `.execute(db);
  return withEndpointAndEvent(db, result.rows[0]);
}

function claimChange(now: Date, leaseMs: number) {
  return sql`
       set attempts = attempts + 1, lease_until = ${new Date(now.getTime() + leaseMs)},
           -- Until the try is recorded, due again only when the lease ends: a worker that dies (or throws) mid-try leaves it
           -- behind the deliveries due before then, never first in every sweep (the try's record sets the real next time).
           next_attempt_at = ${new Date(now.getTime() + leaseMs)},
           first_attempted_at = coalesce(first_attempted_at, ${now}), last_attempted_at = ${now}, updated_at = ${now}`;
}

function claimable(now: Date) {
  return sql`status = 'pending' and next_attempt_at <= ${now} and (lease_until is null or lease_until <= ${now})`;
}

/** A claimed delivery's endpoint and event, read through the delivery's merchant. */
async function withEndpointAndEvent(db: Db, delivery: WebhookDeliveryRow | undefined): Promise<ClaimedDelivery | null> {
  if (!delivery) return null;
  const endpoint = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('merchant_id', '=', delivery.merchant_id)
    .where('id', '=', delivery.endpoint_id)
    .executeTakeFirstOrThrow();
  const event = await db
    .selectFrom('events')
    .select(['id', 'type', 'mode', 'data', 'created_at'])
    .where('merchant_id', '=', delivery.merchant_id)
    .where('id', '=', delivery.event_id)
    .executeTakeFirstOrThrow();
  return { delivery, endpoint, event: event as ClaimedDelivery['event'] };
}

export interface DeliveryTry {
  merchantId: string;
  deliveryId: string;
  endpointId: string;
  attempt: number;
  at: Date;
  url: string;
  signature: string;
  responseStatus: number | null;
  responseBody: string | null;
  responseBytes: number | null;
  durationMs: number;
  error: string | null;
  succeeded: boolean;
  /** For a failure: when to try again, or null to give up. */
  nextAttemptAt: Date | null;
  /** A failing endpoint is disabled once it has failed since this instant. */
  disableIfFailingSince: Date;
}

/**
 * Logs a try and settles what follows from it, in one statement: the
 * delivery's status and next time (with its job), and the endpoint's failing
 * streak, which disables the endpoint once it is long enough. Answers whether
 * this try disabled the endpoint.
 */
export async function recordDeliveryTry(db: Db, t: DeliveryTry): Promise<{ disabledEndpoint: boolean; failingSince: Date | null }> {
  const status = t.succeeded ? 'succeeded' : t.nextAttemptAt ? 'pending' : 'failed';
  const result = await sql<{ disabled: boolean; failing_since: Date | null }>`
    with logged as (
      insert into webhook_delivery_attempts (delivery_id, merchant_id, endpoint_id, attempt, attempted_at, request_url, request_signature,
                                             response_status, response_body, response_bytes, duration_ms, error)
      values (${t.deliveryId}, ${t.merchantId}, ${t.endpointId}, ${t.attempt}, ${t.at}, ${t.url}, ${t.signature},
              ${t.responseStatus}, ${t.responseBody}, ${t.responseBytes}, ${t.durationMs}, ${t.error})
    ),
    delivery as (
      update webhook_deliveries
         set status = ${status}, next_attempt_at = ${t.nextAttemptAt}::timestamptz, lease_until = null,
             last_response_status = ${t.responseStatus}, last_error = ${t.error}, updated_at = ${t.at}
       where merchant_id = ${t.merchantId} and id = ${t.deliveryId}
      returning id
    ),
    endpoint as (
      update webhook_endpoints
         set failing_since = case when ${t.succeeded} then null else coalesce(failing_since, ${t.at}) end,
             status = case when not ${t.succeeded} and coalesce(failing_since, ${t.at}) <= ${t.disableIfFailingSince} then 'disabled' else status end,
             disabled_reason = case when not ${t.succeeded} and coalesce(failing_since, ${t.at}) <= ${t.disableIfFailingSince}
                                    then 'failing_for_3_days' else disabled_reason end,
             updated_at = ${t.at}
       where merchant_id = ${t.merchantId} and id = ${t.endpointId}
      returning status, failing_since,
                (select status from webhook_endpoints where merchant_id = ${t.merchantId} and id = ${t.endpointId}) as status_before
    ),
    next_job as (
      select graphile_worker.add_job('deliver_webhook', json_build_object('id', ${t.deliveryId}::text, 'merchant', ${t.merchantId}::text),
                                     run_at => ${t.nextAttemptAt}::timestamptz, max_attempts => 5)
       where ${t.nextAttemptAt}::timestamptz is not null and exists (select 1 from delivery)
    )
    select (endpoint.status = 'disabled' and endpoint.status_before = 'enabled') as disabled, endpoint.failing_since,
           (select count(*) from next_job) as queued
      from endpoint
  `.execute(db);
  const row = result.rows[0];
  return { disabledEndpoint: row?.disabled ?? false, failingSince: row?.failing_since ?? null };
}

/** A delivery whose endpoint is gone or off: it stops. */
export async function cancelDelivery(db: Db, ref: DeliveryRef, reason: string, now: Date): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'canceled', next_attempt_at: null, lease_until: null, last_error: reason, updated_at: now })
    .where('merchant_id', '=', ref.merchantId)
    .where('id', '=', ref.id)
    .execute();
}

/** Deliveries due whose lease, if any, has run out: the sweep's share after a crash or a lost job. Each with its merchant, to claim it by. */
export async function findDueDeliveries(db: Db, now: Date, limit: number): Promise<DeliveryRef[]> {
  return db
    .selectFrom('webhook_deliveries')
    .select(['id', 'merchant_id as merchantId'])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .orderBy('next_attempt_at', 'asc')
    .limit(limit)
    .execute();
}

export interface DeliveryWithAttempts extends WebhookDeliveryRow {
  event_type: string;
  tries: { attempt: number; attempted_at: Date; request_url: string; response_status: number | null; response_body: string | null; response_bytes: number | null; duration_ms: number; error: string | null }[];
}

/** An endpoint's deliveries, newest first, each with its tries (the last `triesMax`). */
export async function listDeliveries(
  db: Db,
  scope: Scope,
  endpointId: string,
  page: { startingAfter?: string; limit: number; triesMax: number },
): Promise<{ data: DeliveryWithAttempts[]; hasMore: boolean }> {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', (join) => join.onRef('e.merchant_id', '=', 'd.merchant_id').onRef('e.id', '=', 'd.event_id'))
    .selectAll('d')
    .select('e.type as event_type')
    .where('d.merchant_id', '=', scope.merchantId)
    .where('d.endpoint_id', '=', endpointId);
  if (page.startingAfter) query = query.where('d.id', '<', page.startingAfter);
  const rows = await query.orderBy('d.id', 'desc').limit(page.limit + 1).execute();
  const data = rows.slice(0, page.limit);
  const tries =
    data.length === 0
      ? []
      : await db
          .selectFrom('webhook_delivery_attempts')
          .select(['delivery_id', 'attempt', 'attempted_at', 'request_url', 'response_status', 'response_body', 'response_bytes', 'duration_ms', 'error'])
          .where('merchant_id', '=', scope.merchantId)
          .where('delivery_id', 'in', data.map((row) => row.id))
          .orderBy('id', 'desc')
          .execute();
  return {
    data: data.map((row) => ({
      ...row,
      tries: tries.filter((t) => t.delivery_id === row.id).slice(0, page.triesMax).map(({ delivery_id: _id, ...rest }) => rest),
    })),
    hasMore: rows.length > page.limit,
  };
}

/**
 * Sends an event again to the merchant's endpoints that want it: deliveries
 * that exist start over (even succeeded ones), missing ones are created, and
 * each gets its job; one statement. Answers how many were queued.
 */
export async function redeliverEvent(db: Db, scope: Scope, eventId: string, now: Date): Promise<number> {
  const result = await sql<{ queued: number }>`
    with event as (
      select id, type, merchant_id, mode from events where id = ${eventId} and merchant_id = ${scope.merchantId} and mode = ${scope.mode}
    ),
    targets as (
      select e.id as endpoint_id from webhook_endpoints e, event
       where e.merchant_id = event.merchant_id and e.mode = event.mode and e.status = 'enabled' and e.deleted_at is null
         and (event.type = any (e.enabled_events) or '*' = any (e.enabled_events))
    ),
    upserted as (
      insert into webhook_deliveries (id, endpoint_id, event_id, merchant_id, status, next_attempt_at, created_at, updated_at)
      select 'wd_' || substr(event.id, 5, 10) || substr(md5(event.id || targets.endpoint_id), 1, 16), targets.endpoint_id, event.id,
             event.merchant_id, 'pending', ${now}, ${now}, ${now}
        from targets, event
      on conflict on constraint webhook_deliveries_endpoint_id_event_id_key do update
         set status = 'pending', next_attempt_at = ${now}, lease_until = null, first_attempted_at = null, updated_at = ${now}
      returning id, merchant_id
    )
    select count(graphile_worker.add_job('deliver_webhook', json_build_object('id', upserted.id, 'merchant', upserted.merchant_id), max_attempts => 5))::int as queued
      from upserted
  `.execute(db);
  return result.rows[0]?.queued ?? 0;
}

export async function findEvent(db: Db, scope: Scope, id: string) {
  return db
    .selectFrom('events')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
}

export async function listEvents(db: Db, scope: Scope, filter: { type?: string; startingAfter?: string; limit: number }) {
  let query = db.selectFrom('events').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (filter.type) query = query.where('type', '=', filter.type);
  if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}
