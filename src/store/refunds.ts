/**
 * Refunds are append-only rows summed against what the payment received.
 * A new refund is checked and recorded under a lock on its payment row, so
 * concurrent requests queue and the sum of refunds that are not failed never
 * exceeds the amount received.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { MerchantEvent, Scope } from './payments.ts';
import type { RefundRow } from './schema.ts';
import type { Posting } from '../domain/wallet/ledger.ts';
import { postingCtes } from './ledger.ts';
import { effectCte } from './idempotency.ts';
import { pointsRefundCtes, type PointsRefund } from './loyalty.ts';
import { restoreCtes } from './coupons.ts';

export type ReserveRefundResult =
  | { kind: 'reserved'; refund: RefundRow }
  | { kind: 'payment_missing' }
  | { kind: 'payment_not_refundable'; status: string }
  | { kind: 'exceeds'; remaining: bigint };

export interface RefundRequest {
  id: string;
  paymentId: string;
  /** Null: all that remains. */
  amount: bigint | null;
  reason: string | null;
  providerIdempotencyKey: string;
  event: MerchantEvent;
  eventData: (refund: RefundRow) => unknown;
  now: Date;
}

export async function reserveRefund(db: Db, scope: Scope, request: RefundRequest): Promise<ReserveRefundResult> {
  // The key of the request (if any) remembers this refund in the same transaction.
  const effect = effectCte('refund', sql`${request.id}`, null);
  return db.transaction().execute(async (tx) => {
    const payment = await tx
      .selectFrom('payments')
      .select(['id', 'status', 'amount_received', 'currency', 'merchant_id', 'mode'])
      .where('id', '=', request.paymentId)
      .where('merchant_id', '=', scope.merchantId)
      .where('mode', '=', scope.mode)
      .forUpdate()
      .executeTakeFirst();
    if (!payment) return { kind: 'payment_missing' } as const;
    if (payment.status !== 'succeeded') return { kind: 'payment_not_refundable', status: payment.status } as const;
    const committed = await tx
      .selectFrom('refunds')
      .select(sql<bigint>`coalesce(sum(amount), 0)::bigint`.as('total'))
      .where('payment_id', '=', payment.id)
      .where('status', '!=', 'failed')
      .executeTakeFirstOrThrow();
    const remaining = payment.amount_received - committed.total;
    const amount = request.amount ?? remaining;
    if (amount <= 0n || amount > remaining) return { kind: 'exceeds', remaining } as const;
    const refund = await tx
      .insertInto('refunds')
      .values({
        id: request.id,
        payment_id: payment.id,
        merchant_id: payment.merchant_id,
        mode: payment.mode,
        amount,
        currency: payment.currency,
        status: 'pending',
        reason: request.reason,
        failure_reason: null,
        provider_idempotency_key: request.providerIdempotencyKey,
        provider_reference: null,
        next_query_at: new Date(request.now.getTime() + 60_000),
        created_at: request.now,
        updated_at: request.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (effect) await sql`with ${effect} select 1`.execute(tx);
    await tx
      .insertInto('events')
      .values({
        id: request.event.id,
        merchant_id: payment.merchant_id,
        mode: payment.mode,
        type: request.event.type,
        object_id: refund.id,
        data: JSON.stringify(request.eventData(refund)),
        created_at: request.now,
      })
      .execute();
    return { kind: 'reserved', refund } as const;
  });
}

export interface RefundOutcomeUpdate {
  refundId: string;
  /** The refund's merchant: the same id with another merchant's finds nothing. */
  merchantId: string;
  status: 'pending' | 'succeeded' | 'failed';
  failureReason: string | null;
  providerReference: string | null;
  nextQueryAt: Date | null;
  event: MerchantEvent | null;
  now: Date;
  /** Money that moves in the wallet ledger with this outcome, in the same statement. */
  ledger?: { posting: Posting; transactionId: string; scope: Scope };
  /** The payment's loyalty points a succeeded refund takes back and gives back, in the same statement. */
  points?: PointsRefund;
}

/**
 * Records a provider's answer for a pending refund; a refund already final is left alone.
 * A success is recorded under the payment's row lock, in a transaction of two statements and no call:
 * the statement then sees every other refund of the payment that settled before it, so the one that
 * completes a full refund is the one that restores the payment's coupon redemption (store/coupons.ts).
 */
export async function settleRefund(db: Db, update: RefundOutcomeUpdate): Promise<RefundRow | undefined> {
  if (update.status !== 'succeeded') return settleRefundStatement(db, update);
  return db.transaction().execute(async (tx) => {
    await sql`select p.id from payments p join refunds r on r.payment_id = p.id and r.merchant_id = p.merchant_id where r.id = ${update.refundId} and r.merchant_id = ${update.merchantId} for update of p`.execute(tx);
    return settleRefundStatement(tx, update);
  });
}

async function settleRefundStatement(db: Db, update: RefundOutcomeUpdate): Promise<RefundRow | undefined> {
  const event = update.event ? JSON.stringify([update.event]) : '[]';
  const result = await sql<RefundRow>`
    with settled as (
      update refunds
         set status = ${update.status}, failure_reason = ${update.failureReason},
             provider_reference = coalesce(${update.providerReference}, provider_reference),
             next_query_at = ${update.nextQueryAt}::timestamptz, updated_at = ${update.now}
       where id = ${update.refundId} and merchant_id = ${update.merchantId} and status = 'pending'
      returning *
    ),
    notices as (
      insert into events (id, merchant_id, mode, type, object_id, data, created_at)
      select e.id, settled.merchant_id, settled.mode, e.type, settled.id,
             jsonb_set(jsonb_set(e.data, '{object,status}', to_jsonb(settled.status)),
                       '{object,failure_reason}', coalesce(to_jsonb(settled.failure_reason), 'null'::jsonb)),
             ${update.now}::timestamptz
        from settled cross join jsonb_to_recordset(${event}::jsonb) as e(id text, type text, data jsonb)
    )
    ${update.ledger ? sql`, ${postingCtes(update.ledger.posting, update.ledger.scope, update.ledger.transactionId, update.now, 'settled')}` : sql``}
    ${update.points ? sql`, ${pointsRefundCtes(update.points, update.now, 'settled')}` : sql``}
    ${update.status === 'succeeded' ? sql`, ${restoreCtes(update.now, 'settled')}` : sql``}
    select * from settled
  `.execute(db);
  return result.rows[0];
}

export async function findRefund(db: Db, scope: Scope, id: string): Promise<RefundRow | undefined> {
  return db
    .selectFrom('refunds')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
}

export async function listRefunds(
  db: Db,
  scope: Scope,
  filter: { payment?: string; startingAfter?: string; limit: number },
): Promise<{ data: RefundRow[]; hasMore: boolean }> {
  let query = db.selectFrom('refunds').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (filter.payment) query = query.where('payment_id', '=', filter.payment);
  if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

export async function findUnresolvedRefunds(db: Db, now: Date, limit: number): Promise<RefundRow[]> {
  return db
    .selectFrom('refunds')
    .selectAll()
    .where('status', '=', 'pending')
    .where('next_query_at', '<=', now)
    .orderBy('next_query_at', 'asc')
    .limit(limit)
    .execute();
}
