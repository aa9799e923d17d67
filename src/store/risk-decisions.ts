/**
 * Risk decisions (one per evaluation at confirm, append-only) and the review
 * queue. A decision to review is written with its review row and the
 * payment's switch to manual capture in one transaction, before any provider
 * is asked: a crash leaves either all three or none.
 */
import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from './database.ts';
import type { PaymentRecord } from './payments.ts';
import type { Scope } from './scope.ts';
import type { RiskDecisionsTable, RiskReviewsTable } from './tables/risk.ts';

export type RiskDecisionRow = Selectable<RiskDecisionsTable>;
export type NewRiskDecision = Omit<Insertable<RiskDecisionsTable>, 'rules_fired' | 'signals'> & { rules_fired: string[]; signals: Record<string, unknown> };
export type RiskReviewRow = Selectable<RiskReviewsTable>;

function decisionValues(decision: NewRiskDecision) {
  return { ...decision, rules_fired: JSON.stringify(decision.rules_fired), signals: JSON.stringify(decision.signals) };
}

export async function insertRiskDecision(db: Db, decision: NewRiskDecision): Promise<void> {
  await db.insertInto('risk_decisions').values(decisionValues(decision)).execute();
}

/**
 * The decision, the payment's review (a new one, or the held one again) and
 * its switch to manual capture, together. Answers the payment as changed, or
 * null if it moved meanwhile (nothing is written then).
 */
export async function insertReviewDecision(db: Db, decision: NewRiskDecision, payment: PaymentRecord, at: Date): Promise<PaymentRecord | null> {
  return db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable('payments')
      .set({ capture_method: 'manual', version: payment.version + 1, updated_at: at })
      .where('merchant_id', '=', payment.merchant_id)
      .where('id', '=', payment.id)
      .where('version', '=', payment.version)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) return null;
    await trx.insertInto('risk_decisions').values(decisionValues(decision)).execute();
    await trx
      .insertInto('risk_reviews')
      .values({
        payment_id: payment.id,
        merchant_id: payment.merchant_id,
        mode: payment.mode,
        decision_id: decision.id,
        status: 'pending',
        capture_on_approve: payment.capture_method === 'automatic',
        created_at: at,
        decided_at: null,
      })
      .onConflict((oc) => oc.constraint('risk_reviews_pkey').doUpdateSet({ decision_id: decision.id }))
      .execute();
    return { ...payment, capture_method: 'manual' as const, version: payment.version + 1, updated_at: at };
  });
}

/**
 * The decision to review a payment that captures at once (Alipay, WeChat Pay,
 * UnionPay) and its review, together: the payment goes on unchanged, and the
 * review waits in the queue once it has succeeded; rejecting refunds it.
 */
export async function insertPaidReviewDecision(db: Db, decision: NewRiskDecision, payment: PaymentRecord, at: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('risk_decisions').values(decisionValues(decision)).execute();
    await trx
      .insertInto('risk_reviews')
      .values({
        payment_id: payment.id,
        merchant_id: payment.merchant_id,
        mode: payment.mode,
        decision_id: decision.id,
        status: 'pending',
        capture_on_approve: false,
        refund_on_reject: true,
        created_at: at,
        decided_at: null,
      })
      .onConflict((oc) => oc.constraint('risk_reviews_pkey').doUpdateSet({ decision_id: decision.id }))
      .execute();
  });
}

/** Marks a decision's challenge passed (the payer gave the right code and the confirm went on). */
export async function markChallengePassed(db: Db, payment: { merchantId: string; id: string }): Promise<void> {
  await sql`
    update risk_decisions set challenge_passed = true
    where merchant_id = ${payment.merchantId}
      and id = (select id from risk_decisions where merchant_id = ${payment.merchantId} and payment_id = ${payment.id} and action = 'challenge'
                 order by created_at desc, id desc limit 1)
  `.execute(db);
}

export async function latestRiskDecision(db: Db, payment: { merchantId: string; id: string }): Promise<RiskDecisionRow | undefined> {
  return db
    .selectFrom('risk_decisions')
    .selectAll()
    .where('merchant_id', '=', payment.merchantId)
    .where('payment_id', '=', payment.id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function findReview(db: Db, scope: Scope, paymentId: string): Promise<RiskReviewRow | undefined> {
  return db.selectFrom('risk_reviews').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

/** Pending reviews whose payment is authorized and waiting (or, captured at once by its channel, has succeeded), oldest first. */
export async function listPendingReviews(db: Db, scope: Scope, limit: number): Promise<RiskReviewRow[]> {
  return db
    .selectFrom('risk_reviews as r')
    .innerJoin('payments as p', 'p.id', 'r.payment_id')
    .selectAll('r')
    .where('r.merchant_id', '=', scope.merchantId)
    .where('r.mode', '=', scope.mode)
    .where('r.status', '=', 'pending')
    .where((eb) => eb.or([eb('p.status', '=', 'requires_capture'), eb.and([eb('r.refund_on_reject', '=', true), eb('p.status', '=', 'succeeded')])]))
    .orderBy('r.created_at')
    .orderBy('r.payment_id')
    .limit(limit)
    .execute();
}

/** A refund for fraud of the payment that did not fail (pending or succeeded), if any: a rejected review's refund. */
export async function fraudRefundOf(db: Db, scope: Scope, paymentId: string): Promise<{ id: string } | undefined> {
  return db.selectFrom('refunds').select('id').where('merchant_id', '=', scope.merchantId).where('payment_id', '=', paymentId).where('reason', '=', 'fraudulent').where('status', '!=', 'failed').executeTakeFirst();
}

/** Closes a pending review; false if it was no longer pending. */
export async function closeReview(db: Db, scope: Scope, paymentId: string, status: 'approved' | 'rejected', at: Date): Promise<boolean> {
  const result = await db
    .updateTable('risk_reviews')
    .set({ status, decided_at: at })
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('payment_id', '=', paymentId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The newest decision of each payment decided since `since`, for the back-test (bounded). */
export async function recentDecisionsForBacktest(db: Db, scope: Scope, since: Date, limit: number) {
  const result = await sql<{ payment_id: string; signals: Record<string, unknown>; amount_refunded: string; fraudulent: boolean; status: string }>`
    select d.payment_id, d.signals, p.status,
      coalesce((select sum(amount) from refunds where payment_id = d.payment_id and status = 'succeeded'), 0) as amount_refunded,
      exists (select 1 from payment_fraud_marks where payment_id = d.payment_id) as fraudulent
    from (
      select distinct on (payment_id) payment_id, signals
      from risk_decisions
      where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and created_at >= ${since}
      order by payment_id, created_at desc, id desc
    ) d join payments p on p.id = d.payment_id
    limit ${limit}
  `.execute(db);
  return result.rows;
}
