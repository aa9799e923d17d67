/**
 * Payments, their attempts and their history.
 *
 * Every change of a payment's status goes through `commitTransition`: one
 * SQL statement that updates the payment only if nobody changed it since it
 * was read (its `version`), and in the same statement writes the history row,
 * the merchant-facing events and the attempt change. One statement is one
 * round trip and is atomic on its own, so no transaction is held open and a
 * lost race changes nothing.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Actor, CancellationReason, PaymentStatus } from '../domain/payments/payment-state.ts';
import { assertTransition } from '../domain/payments/payment-state.ts';
import { reusablePlan, withReusablePlan, type Db } from './database.ts';
import type { Posting } from '../domain/wallet/ledger.ts';
import type { FunnelStep } from '../domain/insight/funnel.ts';
import { postingCtes } from './ledger.ts';
import { claimRidesWith, executeClaiming } from './idempotency.ts';
import { cancellationCtes, type CancellationRecordInput } from './cancellation-records.ts';
import { pointsTransitionCtes, type PointsTransitionChange } from './loyalty.ts';
import { redemptionCtes, type RedemptionChange } from './coupons.ts';
import type { AttemptRow, Mode, PaymentPurpose, PaymentRow } from './schema.ts';

export type PaymentRecord = PaymentRow & { amount_refunded: bigint };

import type { Scope } from './scope.ts';

export type { Scope };

/**
 * By the payment's id alone, on purpose: with `r.merchant_id = payments.merchant_id` too, a generic plan (no
 * statistics yet) read `refunds_by_merchant`, every refund of the merchant, for each payment read.
 */
const amountRefunded = sql<bigint>`coalesce((select sum(r.amount) from refunds r where r.payment_id = payments.id and r.status = 'succeeded'), 0)::bigint`;

/** Payments with what their succeeded refunds add up to. */
function selectPayments(db: Db) {
  return db.selectFrom('payments').selectAll('payments').select(amountRefunded.as('amount_refunded'));
}

/** By primary key and merchant, then checked against the caller's mode. */
export async function findPayment(db: Db, scope: Scope, id: string): Promise<PaymentRecord | undefined> {
  const payment = await findPaymentById(db, scope.merchantId, id);
  return payment && payment.mode === scope.mode ? payment : undefined;
}

/**
 * A confirm's read of the payment, which also says whether the risk check has
 * anything to read (store/risk-signals.ts): the merchant has an enabled rule,
 * a blocklist entry or a model, or this payment was ever held for review. A
 * merchant with none of them is not checked, and so sends no risk statement.
 * Each part is one probe of an index led by the merchant (or the payment).
 */
export async function findPaymentToConfirm(db: Db, scope: Scope, id: string): Promise<(PaymentRecord & { risk_configured: boolean }) | undefined> {
  const payment = await withReusablePlan(
    selectPayments(db)
      .select(riskConfigured.as('risk_configured'))
      .where('payments.id', '=', id),
  ).executeTakeFirst();
  return payment && payment.merchant_id === scope.merchantId && payment.mode === scope.mode ? payment : undefined;
}

const riskConfigured = sql<boolean>`(
  exists (select 1 from risk_rules r where r.merchant_id = payments.merchant_id and r.mode = payments.mode and r.enabled)
  or exists (select 1 from risk_blocklist_entries b where b.merchant_id = payments.merchant_id and b.mode = payments.mode)
  or exists (select 1 from risk_models m where m.merchant_id = payments.merchant_id and m.mode = payments.mode)
  or exists (select 1 from risk_reviews v where v.payment_id = payments.id))`;

/**
 * For the worker and the use cases that hold a row of the payment's (an attempt, a refund, an event): by id, then
 * checked against the merchant. The payment path's statements (this read, the confirm's read above, the transition's
 * update of the payment and its attempt) name the key alone on purpose: with `merchant_id = $1` in them, their
 * generic plans cost PostgreSQL 1 ms more per payment (2.5 → 3.4–3.5 ms, `npm run bench -- --seconds 4`,
 * 2026-12-07). The merchant is checked on the row instead, and the transition's update rides on a payment so read.
 */
export async function findPaymentById(db: Db, merchantId: string, id: string): Promise<PaymentRecord | undefined> {
  const payment = await withReusablePlan(selectPayments(db).where('payments.id', '=', id)).executeTakeFirst();
  return payment?.merchant_id === merchantId ? payment : undefined;
}

/**
 * By id alone, for the callers that know nothing but the payment's id: the
 * payer's pages (the link names the payment; the page checks its token or
 * client secret) and the expiry sweep (store/expiry-retries.ts answers ids).
 * The row then tells the merchant; everything else names it (above).
 */
export async function findPaymentOfAnyMerchant(db: Db, id: string): Promise<PaymentRecord | undefined> {
  return withReusablePlan(db.selectFrom('payments').selectAll('payments').select(amountRefunded.as('amount_refunded')).where('payments.id', '=', id)).executeTakeFirst();
}

export interface PaymentFilter {
  status?: PaymentStatus;
  customer?: string;
  createdGte?: Date;
  createdLt?: Date;
  startingAfter?: string;
  limit: number;
}

/** Newest first; one more row than asked tells whether there is a next page. */
export async function listPayments(db: Db, scope: Scope, filter: PaymentFilter): Promise<{ data: PaymentRecord[]; hasMore: boolean }> {
  let query = selectPayments(db).where('payments.merchant_id', '=', scope.merchantId).where('payments.mode', '=', scope.mode);
  if (filter.status) query = query.where('payments.status', '=', filter.status);
  if (filter.customer) query = query.where('payments.customer_id', '=', filter.customer);
  if (filter.createdGte) query = query.where('payments.created_at', '>=', filter.createdGte);
  if (filter.createdLt) query = query.where('payments.created_at', '<', filter.createdLt);
  if (filter.startingAfter) query = query.where('payments.id', '<', filter.startingAfter);
  const rows = await query.orderBy('payments.id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

export interface HistoryEntry {
  id: string;
  actor: Actor;
  reason: string | null;
  errorCode: string | null;
  declineCode: string | null;
  attemptId: string | null;
}

export interface MerchantEvent {
  id: string;
  type: string;
  data: unknown;
}

export interface NewAttempt {
  id: string;
  operation: 'authorize' | 'capture' | 'void';
  connector: string;
  connector_account_id: string | null;
  payment_method_type: string;
  amount: bigint;
  provider_idempotency_key: string;
}

export interface AttemptResult {
  id: string;
  status: AttemptRow['status'];
  provider_reference: string | null;
  error_code: string | null;
  decline_code: string | null;
  tries: number;
  latency_ms: number | null;
  completed: boolean;
  next_query_at: Date | null;
}

/** Columns of `payments` a transition may set besides status. */
export type PaymentPatch = Partial<{
  amount_capturable: bigint;
  amount_received: bigint;
  payment_method: unknown;
  next_action: unknown;
  last_error: unknown;
  cancellation_reason: CancellationReason | null;
  cancellation_comment: string | null;
  canceled_at: Date | null;
  return_url: string | null;
  /** Changed only before the payer confirms (POST /v1/payments/:id, or a coupon applied or removed). */
  amount: bigint;
  coupon_id: string | null;
  coupon_code: string | null;
  amount_discount: bigint;
  description: string | null;
  metadata: Record<string, string>;
  order_details: unknown;
  /** Loyalty points (flows/loyalty/points-transitions.ts). */
  points_redeemed: bigint;
  points_value: bigint;
  points_earned: bigint;
}>;

const jsonColumns = new Set(['payment_method', 'next_action', 'last_error', 'metadata', 'order_details']);

export interface Transition {
  payment: { id: string; status: PaymentStatus; version: number; merchantId: string; mode: Mode };
  to: PaymentStatus;
  patch: PaymentPatch;
  history: HistoryEntry;
  events: MerchantEvent[];
  newAttempt?: NewAttempt;
  attemptResult?: AttemptResult;
  /** Money that moves in the wallet ledger with this change, in the same statement. */
  ledger?: { posting: Posting; transactionId: string };
  /** The checkout-funnel step this change is, if any. */
  funnel?: { step: FunnelStep; paymentMethodType: string | null };
  /** The cancellation record, when this change cancels the payment. */
  cancellation?: CancellationRecordInput;
  /** Loyalty points that move with this change, in the same statement. */
  points?: PointsTransitionChange;
  /** What this change does to the redemption of the payment's coupon; a limit it would pass fails the whole statement. */
  coupon?: RedemptionChange;
  now: Date;
}

/**
 * Applies a transition if the payment is still at the version read. Answers
 * false when another request got there first; nothing is written then.
 */
export async function commitTransition(db: Db, transition: Transition): Promise<boolean> {
  const { payment, to, now } = transition;
  if (payment.status !== to) assertTransition(payment.status, to);
  const assignments = Object.entries(transition.patch).map(([column, value]) => {
    const stored = jsonColumns.has(column) && value !== null ? JSON.stringify(value) : value;
    return sql`${sql.ref(column)} = ${stored}`;
  });
  const h = transition.history;
  // Only when there are events: a statement that names `events` at all runs its statement-level queue trigger, rows or not.
  const notices =
    transition.events.length > 0
      ? sql`,
    notices as (
      insert into events (id, merchant_id, mode, type, object_id, data, created_at)
      select e.id, updated.merchant_id, updated.mode, e.type, updated.id, e.data, ${now}::timestamptz
        from updated cross join jsonb_to_recordset(${JSON.stringify(transition.events)}::jsonb) as e(id text, type text, data jsonb)
    )`
      : sql``;
  const attemptStatement = transition.newAttempt
    ? insertAttemptSql(transition.newAttempt, now)
    : transition.attemptResult
      ? updateAttemptSql(transition.attemptResult, payment.merchantId, now)
      : sql`select 1`;
  // Built again if a deferred idempotency claim meets its key already there (see store/idempotency.ts).
  const statement = () => sql<{ updated: number }>`
    with updated as (
      update payments
         set ${sql.join([...assignments, sql`status = ${to}`, sql`version = version + 1`, sql`updated_at = ${now}`])}
       where id = ${payment.id} and version = ${payment.version}
      returning id, merchant_id, mode
    ),
    history as (
      insert into payment_events (id, payment_id, merchant_id, from_status, to_status, actor, reason, error_code, decline_code, attempt_id, created_at)
      select ${h.id}, updated.id, updated.merchant_id, ${payment.status}, ${to}, ${h.actor}, ${h.reason}, ${h.errorCode}, ${h.declineCode}, ${h.attemptId}, ${now}::timestamptz
        from updated
    )${notices},
    attempt as (${attemptStatement})
    ${transition.ledger ? sql`, ${postingCtes(transition.ledger.posting, scopeOf(transition), transition.ledger.transactionId, now, 'updated')}` : sql``}
    ${transition.funnel ? sql`, ${funnelCte(transition.funnel.step, transition.funnel.paymentMethodType, now)}` : sql``}
    ${transition.cancellation ? sql`, ${cancellationCtes(transition.cancellation, now, 'updated')}` : sql``}
    ${transition.points ? sql`, ${pointsTransitionCtes(transition.points, scopeOf(transition), now, 'updated')}` : sql``}
    ${transition.coupon ? sql`, ${redemptionCtes(transition.coupon, scopeOf(transition), payment.id, now, 'updated')}` : sql``}
    ${optionalCte(claimRidesWith('payment', sql`updated.id`, 'updated'))}
    select count(*)::int as updated from updated
    ${reusablePlan}
  `;
  const rows = await executeClaiming(db, statement, (result) => result[0]?.updated === 1);
  return rows[0]?.updated === 1;
}

/** `, name as (…)` after the CTEs before it, or nothing. */
function optionalCte(cte: RawBuilder<unknown> | null): RawBuilder<unknown> {
  return cte ? sql`, ${cte}` : sql``;
}

/** The step, with the device and language the payer's checkout last reported for this payment. */
function funnelCte(step: FunnelStep, paymentMethodType: string | null, now: Date): RawBuilder<unknown> {
  return sql`
    funnel as (
      insert into funnel_events (payment_id, merchant_id, mode, type, payment_method_type, device_class, locale, error_code, reason, created_at)
      select updated.id, updated.merchant_id, updated.mode, ${step.type}, ${paymentMethodType},
             (select f.device_class from funnel_events f where f.payment_id = updated.id and f.device_class is not null order by f.id desc limit 1),
             (select f.locale from funnel_events f where f.payment_id = updated.id and f.locale is not null order by f.id desc limit 1),
             ${step.errorCode}, ${step.reason}, ${now}::timestamptz
        from updated
    )`;
}

function scopeOf(transition: Transition): Scope {
  return { merchantId: transition.payment.merchantId, mode: transition.payment.mode };
}

function insertAttemptSql(attempt: NewAttempt, now: Date): RawBuilder<unknown> {
  return sql`
    insert into payment_attempts (id, payment_id, merchant_id, operation, connector, connector_account_id,
                                  payment_method_type, status, amount, provider_idempotency_key, started_at, next_query_at)
    select ${attempt.id}, updated.id, updated.merchant_id, ${attempt.operation}, ${attempt.connector}, ${attempt.connector_account_id},
           ${attempt.payment_method_type}, 'pending', ${attempt.amount}::bigint, ${attempt.provider_idempotency_key},
           ${now}::timestamptz, ${now}::timestamptz + interval '1 minute'
      from updated
    returning id`;
}

function updateAttemptSql(result: AttemptResult, merchantId: string, now: Date): RawBuilder<unknown> {
  return sql`
    update payment_attempts
       set status = ${result.status}, provider_reference = coalesce(${result.provider_reference}, provider_reference),
           error_code = ${result.error_code}, decline_code = ${result.decline_code}, tries = ${result.tries},
           latency_ms = coalesce(${result.latency_ms}::int, latency_ms),
           completed_at = ${result.completed ? now : null}::timestamptz, next_query_at = ${result.next_query_at}::timestamptz
     where id = ${result.id} and exists (select 1 from updated)
    returning id`;
}

/**
 * Records what a provider call did when the payment's status does not change (a retry, an unknown outcome).
 * `readStatus`: the status the caller read the attempt with; the row changes only if it still has it, so a
 * caller working from an older read never undoes what another committed since (a notification that made the
 * attempt succeed must not be written back to `requires_action` by a status query that read it before).
 */
export async function updateAttempt(db: Db, merchantId: string, result: AttemptResult, now: Date, readStatus?: AttemptRow['status']): Promise<void> {
  let update = withReusablePlan(
    db
      .updateTable('payment_attempts')
      .set({
        status: result.status,
        provider_reference: result.provider_reference ?? undefined,
        error_code: result.error_code,
        decline_code: result.decline_code,
        tries: result.tries,
        latency_ms: result.latency_ms ?? undefined,
        completed_at: result.completed ? now : null,
        next_query_at: result.next_query_at,
      })
      .where('id', '=', result.id)
      .where('merchant_id', '=', merchantId),
  );
  if (readStatus !== undefined) update = update.where('status', '=', readStatus);
  await update.execute();
}

export async function insertPayment(
  db: Db,
  payment: Omit<PaymentRow, 'version' | 'payment_method' | 'order_details' | 'next_action' | 'last_error' | 'metadata' | 'purpose'> & {
    purpose: PaymentPurpose;
    order_details: unknown;
    metadata: Record<string, string>;
  },
  history: HistoryEntry,
  events: MerchantEvent[],
): Promise<void> {
  // Four inserts in one statement (five with the request's idempotency claim riding on it): atomic, and one round trip.
  // The expiry watch's row (migration 0047) is written here, so no open payment is ever missing from the expiry sweep.
  const statement = () => sql`
    with created as (
      insert into payments (id, merchant_id, mode, status, amount, currency, amount_capturable, amount_received, capture_method,
                            payment_method_types, customer_id, order_details, description, metadata, client_secret, return_url,
                            cancellation_reason, cancellation_comment, canceled_at, expires_at, created_at, updated_at, purpose,
                            coupon_id, coupon_code, amount_discount)
      values (${payment.id}, ${payment.merchant_id}, ${payment.mode}, ${payment.status}, ${payment.amount}, ${payment.currency},
              ${payment.amount_capturable}, ${payment.amount_received}, ${payment.capture_method}, ${payment.payment_method_types},
              ${payment.customer_id}, ${payment.order_details === null ? null : JSON.stringify(payment.order_details)},
              ${payment.description}, ${JSON.stringify(payment.metadata)}, ${payment.client_secret}, ${payment.return_url},
              null, null, null, ${payment.expires_at}, ${payment.created_at}, ${payment.updated_at}, ${payment.purpose},
              ${payment.coupon_id}, ${payment.coupon_code}, ${payment.amount_discount}::bigint)
      returning id, merchant_id, mode
    ),
    history as (
      insert into payment_events (id, payment_id, merchant_id, from_status, to_status, actor, reason, error_code, decline_code, attempt_id, created_at)
      select ${history.id}, created.id, created.merchant_id, null, ${payment.status}, ${history.actor}, ${history.reason}, null, null, null,
             ${payment.created_at}::timestamptz
        from created
    ),
    watch as (
      insert into payment_expiry_watch (payment_id, merchant_id, expires_at) select created.id, created.merchant_id, ${payment.expires_at}::timestamptz from created
    )
    ${optionalCte(claimRidesWith('payment', sql`created.id`, 'created'))}
    insert into events (id, merchant_id, mode, type, object_id, data, created_at)
    select e.id, created.merchant_id, created.mode, e.type, created.id, e.data, ${payment.created_at}::timestamptz
      from created cross join jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as e(id text, type text, data jsonb)
    ${reusablePlan}
  `;
  await executeClaiming(db, statement, () => true);
}

export async function listAttempts(db: Db, merchantId: string, paymentId: string): Promise<AttemptRow[]> {
  return db.selectFrom('payment_attempts').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', merchantId).orderBy('id', 'asc').execute();
}

export async function latestAttempt(db: Db, merchantId: string, paymentId: string, operation?: AttemptRow['operation']): Promise<AttemptRow | undefined> {
  let query = db.selectFrom('payment_attempts').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', merchantId);
  if (operation) query = query.where('operation', '=', operation);
  return query.orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export async function listHistory(db: Db, merchantId: string, paymentId: string) {
  return db.selectFrom('payment_events').selectAll().where('payment_id', '=', paymentId).where('merchant_id', '=', merchantId).orderBy('id', 'asc').execute();
}

/** Attempts whose outcome we do not know yet and that are due for a status query. */
/**
 * Brings forward the next status query of every unsettled attempt on an
 * account that has just answered again; answers how many were brought forward.
 */
export async function expediteOutcomeQueries(db: Db, account: { id: string; merchantId: string }, at: Date): Promise<number> {
  const result = await db
    .updateTable('payment_attempts')
    .set({ next_query_at: at })
    .where('connector_account_id', '=', account.id)
    .where('merchant_id', '=', account.merchantId)
    .where('status', 'in', ['pending', 'unknown', 'requires_action'])
    .where('next_query_at', '>', at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function findUnresolvedAttempts(db: Db, now: Date, limit: number): Promise<AttemptRow[]> {
  return db
    .selectFrom('payment_attempts')
    .selectAll()
    .where('status', 'in', ['pending', 'unknown', 'requires_action'])
    .where('next_query_at', '<=', now)
    .orderBy('next_query_at', 'asc')
    .limit(limit)
    .execute();
}
