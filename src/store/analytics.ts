/**
 * Reading payment analytics: whole UTC hours from the rollups that the
 * triggers of migration 0010 maintain, the partial hours at the edges of the
 * range counted from the raw tables, both in one query per figure so the
 * sum is exact for any [from, to). The raw side reads the same definitions
 * as the triggers (the view `analytics_payment_facts_live`, the functions
 * `analytics_attempt_counted` and `analytics_decline_code`), so the two
 * halves can never count differently.
 */
import { sql, type RawBuilder } from 'kysely';
import {
  splitRange,
  type AnalyticsGranularity,
  type AnalyticsTotals,
  type ChannelLatencyCount,
  type TimeRange,
} from '../domain/analytics.ts';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';

export interface AnalyticsQuery {
  range: TimeRange;
  /** Null: every currency. */
  currency: string | null;
}

/** Where the rows of one query come from: the whole hours of the rollups, the edges of the raw tables. */
interface Sources {
  scope: Scope;
  currency: string | null;
  /** A condition on a rollup's `hour` column. */
  wholeHours: (column: RawBuilder<unknown>) => RawBuilder<unknown>;
  /** A condition on a payment's `created_at`. */
  edges: (column: RawBuilder<unknown>) => RawBuilder<unknown>;
}

function sourcesOf(scope: Scope, query: AnalyticsQuery): Sources {
  const split = splitRange(query.range);
  const whole = split.wholeHours;
  return {
    scope,
    currency: query.currency,
    wholeHours: (column) => (whole ? sql`(${column} >= ${whole.from}::timestamptz and ${column} < ${whole.to}::timestamptz)` : sql`false`),
    edges: (column) =>
      split.edges.length === 0
        ? sql`false`
        : sql`(${sql.join(split.edges.map((edge) => sql`(${column} >= ${edge.from}::timestamptz and ${column} < ${edge.to}::timestamptz)`), sql` or `)})`,
  };
}

function scoped(sources: Sources, table: string): RawBuilder<unknown> {
  const currency = sources.currency === null ? sql`` : sql` and ${sql.ref(`${table}.currency`)} = ${sources.currency}`;
  return sql`${sql.ref(`${table}.merchant_id`)} = ${sources.scope.merchantId} and ${sql.ref(`${table}.mode`)} = ${sources.scope.mode}${currency}`;
}

/**
 * The label of a row's bucket: the UTC hour or day it lies in, or, for one
 * answer over the whole range, null (every row in one bucket).
 */
function bucketOf(granularity: AnalyticsGranularity | null, column: RawBuilder<unknown>): RawBuilder<Date | null> {
  return granularity === null ? sql`null::timestamptz` : sql`date_trunc(${granularity}::text, ${column}, 'UTC')`;
}

const count = (value: bigint | number | string) => Number(value);

/**
 * Payment counts, cancellations and decline codes per bucket (keyed by the
 * bucket's UTC start in ms; `null` granularity: a single entry keyed 0).
 */
export async function readTotals(db: Db, scope: Scope, query: AnalyticsQuery, granularity: AnalyticsGranularity | null): Promise<Map<number, AnalyticsTotals>> {
  const sources = sourcesOf(scope, query);
  const hourBucket = bucketOf(granularity, sql.ref('hour'));
  const createdBucket = bucketOf(granularity, sql.ref('created_at'));
  const paymentsQuery = sql<{ bucket: Date | null; currency: string; created: bigint; attempted: bigint; succeeded: bigint; canceled: bigint; refunded: bigint; amount: bigint }>`
    select bucket, currency, sum(created)::bigint as created, sum(attempted)::bigint as attempted, sum(succeeded)::bigint as succeeded,
           sum(canceled)::bigint as canceled, sum(refunded)::bigint as refunded, sum(amount)::bigint as amount
      from (
        select ${hourBucket} as bucket, currency, payments_created as created, payments_attempted as attempted,
               payments_succeeded as succeeded, payments_canceled as canceled, payments_refunded as refunded, amount_succeeded as amount
          from analytics_hourly_payments
         where ${scoped(sources, 'analytics_hourly_payments')} and ${sources.wholeHours(sql.ref('hour'))}
        union all
        select ${createdBucket}, currency, 1, attempted::int, (outcome = 'succeeded')::int, (outcome = 'canceled')::int, refunded::int, amount_succeeded
          from analytics_payment_facts_live
         where ${scoped(sources, 'analytics_payment_facts_live')} and ${sources.edges(sql.ref('created_at'))}
      ) counted
     group by bucket, currency`;
  const cancellationsQuery = sql<{ bucket: Date | null; currency: string; reason: string; payments: bigint }>`
    select bucket, currency, reason, sum(payments)::bigint as payments
      from (
        select ${hourBucket} as bucket, currency, cancellation_reason as reason, payments
          from analytics_hourly_cancellations
         where ${scoped(sources, 'analytics_hourly_cancellations')} and ${sources.wholeHours(sql.ref('hour'))}
        union all
        select ${createdBucket}, currency, cancellation_reason, 1
          from analytics_payment_facts_live
         where ${scoped(sources, 'analytics_payment_facts_live')} and outcome = 'canceled' and ${sources.edges(sql.ref('created_at'))}
      ) counted
     group by bucket, currency, reason`;
  const declinesQuery = sql<{ bucket: Date | null; currency: string; code: string; attempts: bigint }>`
    select bucket, currency, code, sum(attempts)::bigint as attempts
      from (
        select ${hourBucket} as bucket, currency, code, attempts
          from analytics_hourly_declines
         where ${scoped(sources, 'analytics_hourly_declines')} and ${sources.wholeHours(sql.ref('hour'))}
        union all
        select ${bucketOf(granularity, sql.ref('payments.created_at'))}, payments.currency, analytics_decline_code(a), 1
          from payments join payment_attempts a on a.payment_id = payments.id
         where ${scoped(sources, 'payments')} and ${sources.edges(sql.ref('payments.created_at'))}
           and analytics_attempt_counted(a) and a.status = 'failed'
      ) counted
     group by bucket, currency, code`;
  const [payments, cancellations, declines] = await Promise.all([
    paymentsQuery.execute(db),
    cancellationsQuery.execute(db),
    declinesQuery.execute(db),
  ]);
  const buckets = new Map<number, AnalyticsTotals>();
  const bucket = (label: Date | null) => {
    const key = label === null ? 0 : label.getTime();
    let totals = buckets.get(key);
    if (!totals) {
      totals = { currencies: [], cancellations: [], declines: [] };
      buckets.set(key, totals);
    }
    return totals;
  };
  for (const row of payments.rows) {
    bucket(row.bucket).currencies.push({
      currency: row.currency,
      created: count(row.created),
      attempted: count(row.attempted),
      succeeded: count(row.succeeded),
      canceled: count(row.canceled),
      refunded: count(row.refunded),
      amountSucceeded: BigInt(row.amount),
    });
  }
  for (const row of cancellations.rows) bucket(row.bucket).cancellations.push({ currency: row.currency, reason: row.reason, count: count(row.payments) });
  for (const row of declines.rows) bucket(row.bucket).declines.push({ currency: row.currency, code: row.code, count: count(row.attempts) });
  return buckets;
}

/** Each channel's attempts as a histogram of latencies, over the whole range. */
export async function readChannels(db: Db, scope: Scope, query: AnalyticsQuery): Promise<ChannelLatencyCount[]> {
  const sources = sourcesOf(scope, query);
  const result = await sql<{ payment_method_type: string; connector_account_id: string | null; latency_ms: number | null; attempts: bigint; attempts_succeeded: bigint }>`
    select payment_method_type, connector_account_id, latency_ms, sum(attempts)::bigint as attempts, sum(attempts_succeeded)::bigint as attempts_succeeded
      from (
        select payment_method_type, connector_account_id, latency_ms, attempts, attempts_succeeded
          from analytics_hourly_channels
         where ${scoped(sources, 'analytics_hourly_channels')} and ${sources.wholeHours(sql.ref('hour'))}
        union all
        select a.payment_method_type, a.connector_account_id, a.latency_ms, 1, (a.status = 'succeeded')::int
          from payments join payment_attempts a on a.payment_id = payments.id
         where ${scoped(sources, 'payments')} and ${sources.edges(sql.ref('payments.created_at'))} and analytics_attempt_counted(a)
      ) counted
     group by payment_method_type, connector_account_id, latency_ms`.execute(db);
  return result.rows.map((row) => ({
    paymentMethodType: row.payment_method_type,
    connectorAccount: row.connector_account_id,
    latencyMs: row.latency_ms,
    attempts: count(row.attempts),
    attemptsSucceeded: count(row.attempts_succeeded),
  }));
}
