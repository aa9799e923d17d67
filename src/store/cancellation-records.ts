/**
 * Cancellation records (migration 0011): written by `commitTransition` in
 * the statement that cancels the payment, with the customer's abuse flag in
 * that same statement; read by the analytics routes.
 */
import { sql, type RawBuilder } from 'kysely';
import type { CancellationReason } from '../domain/payments/payment-state.ts';
import type { AttemptEvidence, CancellationSource, CancellationStage, DetectedCause } from '../domain/insight/cancellation-cause.ts';
import { abuseRules, type AbuseSettings } from '../domain/insight/cancellation-abuse.ts';
import type { FunnelStepType } from '../domain/insight/funnel.ts';
import type { Db } from './database.ts';
import type { Mode } from './schema.ts';

export interface CancellationRecordInput {
  amount: bigint;
  currency: string;
  paymentMethodType: string | null;
  connector: string | null;
  connectorAccountId: string | null;
  stage: CancellationStage;
  reason: CancellationReason;
  comment: string | null;
  source: CancellationSource;
  detectedCause: DetectedCause;
  /** The pseudonym, never the id. */
  customer: string | null;
  countsTowardAbuse: boolean;
  paymentCreatedAt: Date;
  /** Set when this cancellation may flag the customer: their id (flags are the merchant's own view) and the defaults. */
  abuse: { customerId: string; defaults: AbuseSettings } | null;
}

/**
 * CTEs for `commitTransition`: the record, and the customer's flag when this
 * cancellation takes their count in the last hour over the merchant's limit.
 * A statement does not see its own insert, so the count adds this one.
 */
export function cancellationCtes(record: CancellationRecordInput, now: Date, updated: string): RawBuilder<unknown> {
  const from = sql.table(updated);
  const recordCte = sql`
    cancellation_record as (
      insert into cancellation_records (payment_id, merchant_id, mode, amount, currency, payment_method_type, connector, connector_account_id,
                                        stage, reason, comment, source, detected_cause, customer, counts_toward_abuse, payment_created_at, created_at)
      select ${from}.id, ${from}.merchant_id, ${from}.mode, ${record.amount}::bigint, ${record.currency}, ${record.paymentMethodType},
             ${record.connector}, ${record.connectorAccountId}, ${record.stage}, ${record.reason}, ${record.comment}, ${record.source},
             ${record.detectedCause}, ${record.customer}, ${record.countsTowardAbuse}, ${record.paymentCreatedAt}::timestamptz, ${now}::timestamptz
        from ${from}
      on conflict do nothing
      returning payment_id
    )`;
  if (!record.abuse || !record.customer || !record.countsTowardAbuse) return recordCte;
  const { customerId, defaults } = record.abuse;
  const windowStart = new Date(now.getTime() - abuseRules.windowMs);
  return sql`${recordCte},
    cancellation_abuse as (
      insert into cancellation_abuse_flags (merchant_id, mode, customer_id, cancellations, max_cancellations_per_hour,
                                            first_flagged_at, flagged_at, flagged_until)
      select ${from}.merchant_id, ${from}.mode, ${customerId}, counted.n, setting.max_per_hour,
             ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz + make_interval(hours => setting.hours)
        from ${from}
       cross join lateral (
             select coalesce(max(s.max_cancellations_per_hour), ${defaults.maxCancellationsPerHour}) as max_per_hour,
                    coalesce(max(s.flag_duration_hours), ${defaults.flagDurationHours}) as hours
               from cancellation_abuse_settings s where s.merchant_id = ${from}.merchant_id and s.mode = ${from}.mode) setting
       cross join lateral (
             select count(*)::int + 1 as n from cancellation_records r
              where r.merchant_id = ${from}.merchant_id and r.mode = ${from}.mode and r.customer = ${record.customer}
                and r.counts_toward_abuse and r.created_at > ${windowStart}::timestamptz and r.payment_id <> ${from}.id) counted
       where counted.n > setting.max_per_hour and exists (select 1 from cancellation_record)
      on conflict (merchant_id, mode, customer_id) do update
         set cancellations = excluded.cancellations,
             max_cancellations_per_hour = excluded.max_cancellations_per_hour,
             times_flagged = cancellation_abuse_flags.times_flagged
                             + case when cancellation_abuse_flags.flagged_until <= excluded.flagged_at then 1 else 0 end,
             flagged_at = excluded.flagged_at,
             flagged_until = greatest(cancellation_abuse_flags.flagged_until, excluded.flagged_until)
    )`;
}

export interface CancellationEvidenceRows {
  authorizations: (AttemptEvidence & { connector: string; connectorAccountId: string | null; paymentMethodType: string })[];
  steps: { type: FunnelStepType; createdAt: Date }[];
  priceChangedAt: Date | null;
}

/** How many of the merchant's latest payments "recent" means for the median time to success. */
const recentPaymentsForNormal = 500;
const stepsRead = 200;

/** What preceded a cancellation, read before the statement that cancels. */
export async function loadCancellationEvidence(db: Db, payment: { id: string; merchant_id: string; mode: Mode }): Promise<CancellationEvidenceRows> {
  const [attempts, steps, priceChange] = await Promise.all([
    db
      .selectFrom('payment_attempts')
      .select(['status', 'error_code', 'started_at', 'completed_at', 'connector', 'connector_account_id', 'payment_method_type'])
      .where('payment_id', '=', payment.id)
      .where('merchant_id', '=', payment.merchant_id)
      .where('operation', '=', 'authorize')
      .orderBy('id', 'asc')
      .execute(),
    db.selectFrom('funnel_events').select(['type', 'created_at']).where('payment_id', '=', payment.id).where('merchant_id', '=', payment.merchant_id).orderBy('id', 'asc').limit(stepsRead).execute(),
    db
      .selectFrom('payment_events')
      .select((eb) => eb.fn.max('created_at').as('at'))
      .where('payment_id', '=', payment.id)
      .where('merchant_id', '=', payment.merchant_id)
      .where('reason', '=', 'amount_changed')
      .executeTakeFirst(),
  ]);
  return {
    authorizations: attempts.map((a) => ({
      status: a.status,
      errorCode: a.error_code,
      atMs: (a.completed_at ?? a.started_at).getTime(),
      connector: a.connector,
      connectorAccountId: a.connector_account_id,
      paymentMethodType: a.payment_method_type,
    })),
    steps: steps.map((s) => ({ type: s.type, createdAt: s.created_at })),
    priceChangedAt: priceChange?.at ? new Date(priceChange.at as Date | string) : null,
  };
}

/**
 * Median time from the checkout's first view (else creation) to success, over
 * the succeeded ones among the merchant's latest payments: about a thousand
 * index reads, so the flow asks only when the answer can matter.
 */
export async function medianTimeToSuccess(db: Db, merchantId: string, mode: Mode): Promise<{ medianMs: number; sample: number } | null> {
  const result = await sql<{ median_ms: number | null; sample: number }>`
    select percentile_cont(0.5) within group (order by t.ms) as median_ms, count(*)::int as sample
      from (select p.id, p.created_at from payments p
             where p.merchant_id = ${merchantId} and p.mode = ${mode}
             order by p.id desc limit ${recentPaymentsForNormal}) p
      join lateral (select e.created_at from payment_events e where e.payment_id = p.id and e.to_status = 'succeeded' order by e.id limit 1) s on true
      left join lateral (select min(f.created_at) as viewed_at from funnel_events f where f.payment_id = p.id and f.type = 'checkout_viewed') v on true
      cross join lateral (select extract(epoch from (s.created_at - coalesce(v.viewed_at, p.created_at))) * 1000 as ms) t
  `.execute(db);
  const row = result.rows[0];
  return row && row.median_ms !== null ? { medianMs: Number(row.median_ms), sample: row.sample } : null;
}

export interface CancellationRange {
  from: Date;
  to: Date;
  currency?: string;
}

export type CancellationRecordRow = Awaited<ReturnType<typeof listCancellationRecords>>['data'][number];

/**
 * Records of payments created in `[from, to)`, newest cancellation first;
 * `startingAfter` is the payment id of the previous page's last record.
 */
export async function listCancellationRecords(db: Db, scope: { merchantId: string; mode: Mode }, range: CancellationRange & { limit: number; startingAfter?: string }) {
  let query = db
    .selectFrom('cancellation_records as r')
    .selectAll('r')
    .where('r.merchant_id', '=', scope.merchantId)
    .where('r.mode', '=', scope.mode)
    .where('r.payment_created_at', '>=', range.from)
    .where('r.payment_created_at', '<', range.to);
  if (range.currency) query = query.where('r.currency', '=', range.currency);
  if (range.startingAfter) {
    query = query.where(
      sql<boolean>`(r.created_at, r.payment_id) < (select c.created_at, c.payment_id from cancellation_records c
                    where c.payment_id = ${range.startingAfter} and c.merchant_id = ${scope.merchantId} and c.mode = ${scope.mode})`,
    );
  }
  const rows = await query.orderBy('r.created_at', 'desc').orderBy('r.payment_id', 'desc').limit(range.limit + 1).execute();
  return { data: rows.slice(0, range.limit), hasMore: rows.length > range.limit };
}

export interface CancellationCounts {
  paymentsCreated: number;
  groups: { reason: string; stage: string; source: string; detected_cause: string; count: number }[];
}

/** The counts a summary is made of: payments created in the range, and their cancellation records grouped. */
export async function countCancellations(db: Db, scope: { merchantId: string; mode: Mode }, range: CancellationRange): Promise<CancellationCounts> {
  let created = db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('created_at', '>=', range.from)
    .where('created_at', '<', range.to);
  let grouped = db
    .selectFrom('cancellation_records')
    .select(['reason', 'stage', 'source', 'detected_cause', (eb) => eb.fn.countAll<string>().as('n')])
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('payment_created_at', '>=', range.from)
    .where('payment_created_at', '<', range.to);
  if (range.currency) {
    created = created.where('currency', '=', range.currency);
    grouped = grouped.where('currency', '=', range.currency);
  }
  const [createdRow, groups] = await Promise.all([created.executeTakeFirst(), grouped.groupBy(['reason', 'stage', 'source', 'detected_cause']).execute()]);
  return {
    paymentsCreated: Number(createdRow?.n ?? 0),
    groups: groups.map((g) => ({ reason: g.reason, stage: g.stage, source: g.source, detected_cause: g.detected_cause, count: Number(g.n) })),
  };
}
