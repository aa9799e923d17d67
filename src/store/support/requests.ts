/**
 * Support requests, their threads and their events. Writes that depend on
 * what is there (how many requests a payment has open, a request's status)
 * are made by the flows inside a transaction that first locks what they
 * read: the payment's advisory lock for a new request, the request's row for
 * the rest.
 */
import { sql } from 'kysely';
import type { SupportCounts } from '../../domain/support/support-request.ts';
import type { Db } from '../database.ts';
import type { Scope } from '../payments.ts';
import type { SupportMessageRow, SupportRequestRow } from '../schema.ts';
import type { SupportRequestsTable } from '../tables/support.ts';
import type { Insertable, Updateable } from 'kysely';

/** Serializes new requests on one payment, for the rest of the transaction. */
export async function lockPaymentForSupport(db: Db, paymentId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`support:${paymentId}`}, 0))`.execute(db);
}

export async function countOpenSupportRequests(db: Db, payment: { merchantId: string; id: string }): Promise<number> {
  const row = await db
    .selectFrom('support_requests')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('merchant_id', '=', payment.merchantId)
    .where('payment_id', '=', payment.id)
    .where('status', '!=', 'resolved')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertSupportRequest(db: Db, request: Insertable<SupportRequestsTable>): Promise<void> {
  await db.insertInto('support_requests').values(request).execute();
}

export async function insertSupportMessage(db: Db, message: Omit<SupportMessageRow, 'merchant_id'> & { merchant_id: string }): Promise<void> {
  await db.insertInto('support_messages').values(message).execute();
}

export async function insertSupportEvent(db: Db, event: { id: string; request_id: string; merchant_id: string; type: 'resolved' | 'reopened'; actor: 'payer' | 'merchant'; created_at: Date }): Promise<void> {
  await db.insertInto('support_request_events').values(event).execute();
}

/** The request, locked for the rest of the transaction; within the merchant's scope, or of one payment (the payer's side). */
export async function lockSupportRequest(db: Db, id: string, owner: { scope: Scope } | { payment: { merchantId: string; id: string } }): Promise<SupportRequestRow | undefined> {
  let query = db.selectFrom('support_requests').selectAll().where('id', '=', id);
  query =
    'scope' in owner
      ? query.where('merchant_id', '=', owner.scope.merchantId).where('mode', '=', owner.scope.mode)
      : query.where('merchant_id', '=', owner.payment.merchantId).where('payment_id', '=', owner.payment.id);
  return query.forUpdate().executeTakeFirst();
}

/** Changes a request the caller has locked, by its merchant and id. */
export async function updateSupportRequest(db: Db, request: Pick<SupportRequestRow, 'merchant_id' | 'id'>, patch: Updateable<SupportRequestsTable>): Promise<SupportRequestRow> {
  return db.updateTable('support_requests').set(patch).where('merchant_id', '=', request.merchant_id).where('id', '=', request.id).returningAll().executeTakeFirstOrThrow();
}

export async function countSupportMessages(db: Db, request: { id: string; merchant_id: string }): Promise<number> {
  const row = await db
    .selectFrom('support_messages')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('merchant_id', '=', request.merchant_id)
    .where('request_id', '=', request.id)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findSupportRequest(db: Db, scope: Scope, id: string): Promise<SupportRequestRow | undefined> {
  return db.selectFrom('support_requests').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

export async function listSupportRequestsOfPayment(db: Db, payment: { merchantId: string; id: string }): Promise<SupportRequestRow[]> {
  return db.selectFrom('support_requests').selectAll().where('merchant_id', '=', payment.merchantId).where('payment_id', '=', payment.id).orderBy('id', 'asc').execute();
}

/** The messages of one merchant's requests, oldest first. */
export async function listSupportMessages(db: Db, merchantId: string, requestIds: readonly string[]): Promise<SupportMessageRow[]> {
  if (requestIds.length === 0) return [];
  return db
    .selectFrom('support_messages')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('request_id', 'in', requestIds)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

export interface SupportListFilter {
  status?: string;
  category?: string;
  payment?: string;
  createdFrom?: Date;
  createdTo?: Date;
  startingAfter?: string;
  limit: number;
}

/** Newest first (ids sort by creation time), paged by id. */
export async function listSupportRequests(db: Db, scope: Scope, filter: SupportListFilter) {
  let query = db.selectFrom('support_requests').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (filter.status) query = query.where('status', '=', filter.status as SupportRequestRow['status']);
  if (filter.category) query = query.where('category', '=', filter.category);
  if (filter.payment) query = query.where('payment_id', '=', filter.payment);
  if (filter.createdFrom) query = query.where('created_at', '>=', filter.createdFrom);
  if (filter.createdTo) query = query.where('created_at', '<', filter.createdTo);
  if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

/**
 * The support figures of the requests created in `[from, to)`, in integer
 * milliseconds (definitions: src/domain/support/support-request.ts).
 */
export async function supportCounts(db: Db, scope: Scope, range: { from: Date; to: Date }): Promise<SupportCounts> {
  const result = await sql<{
    requests: number;
    responded: number;
    response_sum_ms: string | null;
    response_median_ms: string | null;
    resolved: number;
    resolution_sum_ms: string | null;
    resolution_median_ms: string | null;
    reopened: number;
    first_contact: number;
  }>`
    with timed as (
      select floor(extract(epoch from (first_response_at - created_at)) * 1000)::bigint as response_ms,
             floor(extract(epoch from (first_resolved_at - created_at)) * 1000)::bigint as resolution_ms,
             reopen_count, replies_before_first_resolution
        from support_requests
       where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and created_at >= ${range.from} and created_at < ${range.to}
    )
    select count(*)::int as requests,
           count(response_ms)::int as responded,
           sum(response_ms)::text as response_sum_ms,
           (percentile_disc(0.5) within group (order by response_ms))::text as response_median_ms,
           count(resolution_ms)::int as resolved,
           sum(resolution_ms)::text as resolution_sum_ms,
           (percentile_disc(0.5) within group (order by resolution_ms))::text as resolution_median_ms,
           count(*) filter (where resolution_ms is not null and reopen_count > 0)::int as reopened,
           count(*) filter (where resolution_ms is not null and reopen_count = 0 and replies_before_first_resolution = 1)::int as first_contact
      from timed
  `.execute(db);
  const row = result.rows[0]!;
  const number = (value: string | null) => (value === null ? null : Number(value));
  return {
    requests: row.requests,
    firstResponse: { count: row.responded, sumMs: number(row.response_sum_ms) ?? 0, medianMs: number(row.response_median_ms) },
    firstResolution: { count: row.resolved, sumMs: number(row.resolution_sum_ms) ?? 0, medianMs: number(row.resolution_median_ms) },
    resolved: row.resolved,
    reopened: row.reopened,
    resolvedAtFirstContact: row.first_contact,
  };
}
