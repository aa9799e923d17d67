/** What the payer's pages read and write besides payments: feedback, fulfilment steps and after-sales requests. */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { MerchantEvent, Scope } from './payments.ts';
import type { AfterSalesRequestRow, FulfillmentEventRow } from './schema.ts';

export async function findFeedback(db: Db, merchantId: string, paymentId: string) {
  return db
    .selectFrom('payment_feedback')
    .select(['rating', 'comment', 'nps_score', 'created_at'])
    .where('payment_id', '=', paymentId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
}

/**
 * The first rating stands: a second answers the stored one. The NPS answer
 * (asked after the rating) is added by a later call; its first answer stands too.
 */
export async function saveFeedback(db: Db, feedback: { paymentId: string; merchantId: string; rating: number; comment: string | null; npsScore: number | null; now: Date }) {
  await db
    .insertInto('payment_feedback')
    .values({
      payment_id: feedback.paymentId,
      merchant_id: feedback.merchantId,
      rating: feedback.rating,
      comment: feedback.comment,
      nps_score: feedback.npsScore,
      created_at: feedback.now,
    })
    // A row made by an emailed survey's answer has no rating yet: the rating (and its comment) then fill it.
    .onConflict((conflict) =>
      conflict.constraint('payment_feedback_pkey').doUpdateSet({
        rating: sql<number>`coalesce(payment_feedback.rating, excluded.rating)`,
        comment: sql<string>`case when payment_feedback.rating is null then coalesce(excluded.comment, payment_feedback.comment) else payment_feedback.comment end`,
        nps_score: sql<number>`coalesce(payment_feedback.nps_score, excluded.nps_score)`,
      }),
    )
    .execute();
  return findFeedback(db, feedback.merchantId, feedback.paymentId);
}

/** The method type of the customer's latest succeeded payment, for the checkout to preselect. */
export async function lastMethodOfCustomer(db: Db, scope: Scope, customerId: string): Promise<string | null> {
  const row = await db
    .selectFrom('payments')
    .select(sql<string>`payment_method ->> 'type'`.as('type'))
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'succeeded')
    .where('purpose', '=', 'payment')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.type ?? null;
}

export async function insertFulfillmentEvent(db: Db, event: Omit<FulfillmentEventRow, 'created_at'> & { created_at: Date }, notice: MerchantEvent & { mode: string }) {
  await sql`
    with inserted as (
      insert into fulfillment_events (id, payment_id, merchant_id, type, carrier, tracking_number, note, created_at)
      values (${event.id}, ${event.payment_id}, ${event.merchant_id}, ${event.type}, ${event.carrier}, ${event.tracking_number}, ${event.note}, ${event.created_at})
      returning id
    )
    insert into events (id, merchant_id, mode, type, object_id, data, created_at)
    select ${notice.id}, ${event.merchant_id}, ${notice.mode}, ${notice.type}, ${event.payment_id}, ${JSON.stringify(notice.data)}::jsonb, ${event.created_at}
      from inserted
  `.execute(db);
}

export async function listFulfillmentEvents(db: Db, merchantId: string, paymentId: string): Promise<FulfillmentEventRow[]> {
  return db.selectFrom('fulfillment_events').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', merchantId).orderBy('id', 'asc').execute();
}

export async function insertAfterSalesRequest(db: Db, request: AfterSalesRequestRow, notice: MerchantEvent): Promise<void> {
  await sql`
    with inserted as (
      insert into after_sales_requests (id, payment_id, merchant_id, mode, kind, reason, amount, status, merchant_note, refund_id, created_at, decided_at)
      values (${request.id}, ${request.payment_id}, ${request.merchant_id}, ${request.mode}, ${request.kind}, ${request.reason}, ${request.amount},
              ${request.status}, null, null, ${request.created_at}, null)
      returning id
    )
    insert into events (id, merchant_id, mode, type, object_id, data, created_at)
    select ${notice.id}, ${request.merchant_id}, ${request.mode}, ${notice.type}, ${request.id}, ${JSON.stringify(notice.data)}::jsonb, ${request.created_at}
      from inserted
  `.execute(db);
}

export async function listAfterSalesRequestsOfPayment(db: Db, merchantId: string, paymentId: string): Promise<AfterSalesRequestRow[]> {
  return db.selectFrom('after_sales_requests').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', merchantId).orderBy('id', 'asc').execute();
}

export async function findAfterSalesRequest(db: Db, scope: Scope, id: string): Promise<AfterSalesRequestRow | undefined> {
  return db.selectFrom('after_sales_requests').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

export async function listAfterSalesRequests(db: Db, scope: Scope, filter: { payment?: string; status?: string; startingAfter?: string; limit: number }) {
  let query = db.selectFrom('after_sales_requests').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (filter.payment) query = query.where('payment_id', '=', filter.payment);
  if (filter.status) query = query.where('status', '=', filter.status as AfterSalesRequestRow['status']);
  if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

/**
 * Decides a pending request: only one decision can win, so two approvals
 * at once refund once. Writes its merchant event in the same statement.
 */
export async function decideAfterSalesRequest(
  db: Db,
  scope: Scope,
  decision: { id: string; status: 'approved' | 'rejected'; note: string | null; now: Date; notice: MerchantEvent },
): Promise<AfterSalesRequestRow | undefined> {
  const result = await sql<AfterSalesRequestRow>`
    with decided as (
      update after_sales_requests set status = ${decision.status}, merchant_note = ${decision.note}, decided_at = ${decision.now}
       where id = ${decision.id} and merchant_id = ${scope.merchantId} and mode = ${scope.mode} and status = 'pending'
      returning *
    ),
    notice as (
      insert into events (id, merchant_id, mode, type, object_id, data, created_at)
      select ${decision.notice.id}, decided.merchant_id, decided.mode, ${decision.notice.type}, decided.id,
             jsonb_set(${JSON.stringify(decision.notice.data)}::jsonb, '{object,status}', to_jsonb(decided.status)), ${decision.now}
        from decided
    )
    select * from decided
  `.execute(db);
  return result.rows[0];
}

/** An approval whose refund could not be made goes back to pending, for the merchant to decide again. */
export async function reopenAfterSalesRequest(db: Db, merchantId: string, id: string): Promise<void> {
  await db
    .updateTable('after_sales_requests')
    .set({ status: 'pending', decided_at: null, merchant_note: null })
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .where('refund_id', 'is', null)
    .execute();
}

export async function linkAfterSalesRefund(db: Db, merchantId: string, id: string, refundId: string): Promise<AfterSalesRequestRow | undefined> {
  return db.updateTable('after_sales_requests').set({ refund_id: refundId }).where('id', '=', id).where('merchant_id', '=', merchantId).returningAll().executeTakeFirst();
}
