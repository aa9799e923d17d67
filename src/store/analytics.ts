/**
 * Reading payment analytics: whole UTC days from the daily rollups and the
 * whole hours around them from the hourly rollups (both folded from the
 * changes that migration 0020's triggers note in each payment's statements;
 * a reader folds its merchant's changes first), the partial hours at
 * the edges of the range counted from the raw tables, all three in one query
 * per figure so the sum is exact for any [from, to). Hourly buckets read no
 * daily rows (a day row cannot be split into hours). Channel latencies take
 * two reads (by 32 ms span, then exact where the percentiles lie; see
 * readChannels). The raw side reads the same definitions
 * as the triggers (the view `analytics_payment_facts_live`, the functions
 * `analytics_attempt_counted` and `analytics_decline_code`), so the two
 * halves can never count differently.
 */
import { sql, type RawBuilder } from 'kysely';
import {
  latencySpanMs,
  refinedChannelRows,
  spansToRefine,
  splitRangeLevels,
  type ChannelSpan,
  type AnalyticsGranularity,
  type AnalyticsTotals,
  type ChannelLatencyCount,
  type TimeRange,
} from '../domain/insight/analytics.ts';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';

export interface AnalyticsQuery {
  range: TimeRange;
  /** Null: every currency. */
  currency: string | null;
}

/** Where the rows of one query come from: the whole days and hours of the rollups, the edges of the raw tables. */
interface Sources {
  scope: Scope;
  currency: string | null;
  /** A condition on a daily rollup's `day` column. */
  wholeDays: (column: RawBuilder<unknown>) => RawBuilder<unknown>;
  /** A condition on an hourly rollup's `hour` column. */
  wholeHours: (column: RawBuilder<unknown>) => RawBuilder<unknown>;
  /** A condition on a payment's `created_at`. */
  edges: (column: RawBuilder<unknown>) => RawBuilder<unknown>;
}

/** `column` within any of the spans (none: false, which the planner drops with its branch of the union). */
function within(column: RawBuilder<unknown>, spans: readonly TimeRange[]): RawBuilder<unknown> {
  if (spans.length === 0) return sql`false`;
  return sql`(${sql.join(spans.map((span) => sql`(${column} >= ${span.from}::timestamptz and ${column} < ${span.to}::timestamptz)`), sql` or `)})`;
}

function sourcesOf(scope: Scope, query: AnalyticsQuery, options: { days: boolean }): Sources {
  const split = splitRangeLevels(query.range, options);
  return {
    scope,
    currency: query.currency,
    wholeDays: (column) => within(column, split.wholeDays ? [split.wholeDays] : []),
    wholeHours: (column) => within(column, split.wholeHours),
    edges: (column) => within(column, split.edges),
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
/**
 * Folds noted changes into the rollups, a batch at a time (one transaction
 * each), until none is left for the merchant (or for anyone, with null) or
 * `batchesMax` batches are done; answers how many changes were folded.
 */
export async function foldAnalytics(db: Db, merchantId: string | null, limits: { batchSize: number; batchesMax: number }): Promise<number> {
  let folded = 0;
  for (let batch = 0; batch < limits.batchesMax; batch += 1) {
    const result = await sql<{ folded: number }>`select analytics_fold(${merchantId}, ${limits.batchSize}) as folded`.execute(db);
    const count = result.rows[0]?.folded ?? 0;
    folded += count;
    if (count < limits.batchSize) break;
  }
  return folded;
}

/** Changes noted and not yet folded (for the merchant, or for anyone with null). */
export async function analyticsFoldBacklog(db: Db, merchantId: string | null): Promise<number> {
  const result = merchantId
    ? await sql<{ count: string }>`select count(*) as count from analytics_changes where merchant_id = ${merchantId}`.execute(db)
    : await sql<{ count: string }>`select count(*) as count from analytics_changes`.execute(db);
  return Number(result.rows[0]?.count ?? 0);
}

export async function readTotals(db: Db, scope: Scope, query: AnalyticsQuery, granularity: AnalyticsGranularity | null): Promise<Map<number, AnalyticsTotals>> {
  const sources = sourcesOf(scope, query, { days: granularity !== 'hour' });
  const dayBucket = bucketOf(granularity, sql.ref('day'));
  const hourBucket = bucketOf(granularity, sql.ref('hour'));
  const createdBucket = bucketOf(granularity, sql.ref('created_at'));
  const paymentsQuery = sql<{ bucket: Date | null; currency: string; created: bigint; attempted: bigint; succeeded: bigint; canceled: bigint; refunded: bigint; amount: bigint }>`
    select bucket, currency, sum(created)::bigint as created, sum(attempted)::bigint as attempted, sum(succeeded)::bigint as succeeded,
           sum(canceled)::bigint as canceled, sum(refunded)::bigint as refunded, sum(amount)::bigint as amount
      from (
        select ${dayBucket} as bucket, currency, payments_created as created, payments_attempted as attempted,
               payments_succeeded as succeeded, payments_canceled as canceled, payments_refunded as refunded, amount_succeeded as amount
          from analytics_daily_payments
         where ${scoped(sources, 'analytics_daily_payments')} and ${sources.wholeDays(sql.ref('day'))}
        union all
        select ${hourBucket}, currency, payments_created, payments_attempted,
               payments_succeeded, payments_canceled, payments_refunded, amount_succeeded
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
        select ${dayBucket} as bucket, currency, cancellation_reason as reason, payments
          from analytics_daily_cancellations
         where ${scoped(sources, 'analytics_daily_cancellations')} and ${sources.wholeDays(sql.ref('day'))}
        union all
        select ${hourBucket}, currency, cancellation_reason, payments
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
        select ${dayBucket} as bucket, currency, code, attempts
          from analytics_daily_declines
         where ${scoped(sources, 'analytics_daily_declines')} and ${sources.wholeDays(sql.ref('day'))}
        union all
        select ${hourBucket}, currency, code, attempts
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

type ChannelRow = { payment_method_type: string; connector_account_id: string | null; latency_ms: number | null; attempts: bigint; attempts_succeeded: bigint };

const channelCount = (row: ChannelRow): ChannelLatencyCount => ({
  paymentMethodType: row.payment_method_type,
  connectorAccount: row.connector_account_id,
  latencyMs: row.latency_ms,
  attempts: count(row.attempts),
  attemptsSucceeded: count(row.attempts_succeeded),
});

/** Rows of `table` (or alias) whose channel and latency lie in one of the spans. */
function inSpans(table: string, spans: readonly ChannelSpan[]): RawBuilder<unknown> {
  const column = (name: string) => sql.ref(`${table}.${name}`);
  return sql`(${sql.join(
    spans.map((span) => {
      const account = span.connectorAccount === null ? sql`${column('connector_account_id')} is null` : sql`${column('connector_account_id')} = ${span.connectorAccount}`;
      const low = span.span * latencySpanMs;
      return sql`(${column('payment_method_type')} = ${span.paymentMethodType} and ${account}
                  and ${column('latency_ms')} between ${low}::int and ${low + latencySpanMs - 1}::int)`;
    }),
    sql` or `,
  )})`;
}

export interface ChannelDeclineRow {
  /** The bucket's UTC start (null for one answer over the whole range). */
  bucket_start: Date | null;
  payment_method_type: string;
  connector_account_id: string | null;
  code: string;
  attempts: number;
}

/**
 * Failed attempts per channel (payment method type and connector account)
 * and decline code, per bucket of the payments' creation: whole days and
 * hours from the channel decline counters (migration 0027), the rest of the
 * range from the live rows, as readTotals counts decline codes.
 */
export async function readChannelDeclines(db: Db, scope: Scope, query: AnalyticsQuery, granularity: AnalyticsGranularity | null): Promise<ChannelDeclineRow[]> {
  const sources = sourcesOf(scope, query, { days: granularity !== 'hour' });
  const result = await sql<ChannelDeclineRow & { attempts: string }>`
    select bucket as bucket_start, payment_method_type, connector_account_id, code, sum(attempts)::bigint as attempts
      from (
        select ${bucketOf(granularity, sql.ref('day'))} as bucket, payment_method_type, connector_account_id, code, attempts
          from analytics_daily_channel_declines
         where ${scoped(sources, 'analytics_daily_channel_declines')} and ${sources.wholeDays(sql.ref('day'))}
        union all
        select ${bucketOf(granularity, sql.ref('hour'))}, payment_method_type, connector_account_id, code, attempts
          from analytics_hourly_channel_declines
         where ${scoped(sources, 'analytics_hourly_channel_declines')} and ${sources.wholeHours(sql.ref('hour'))}
        union all
        select ${bucketOf(granularity, sql.ref('payments.created_at'))}, a.payment_method_type, a.connector_account_id, analytics_decline_code(a), 1
          from payments join payment_attempts a on a.payment_id = payments.id
         where ${scoped(sources, 'payments')} and ${sources.edges(sql.ref('payments.created_at'))}
           and analytics_attempt_counted(a) and a.status = 'failed'
      ) counted
     group by 1, 2, 3, 4`.execute(db);
  return result.rows.map((row) => ({ ...row, attempts: count(row.attempts) }));
}

/**
 * Each channel's attempts as a histogram of latencies, over the whole range,
 * exact where its percentiles lie: first the histogram by 32 ms span (whole
 * days from their span rows, whole hours and edges by exact latency, put in
 * their span), then the exact latencies of the spans the percentiles fall in
 * (domain: spansToRefine, refinedChannelRows). Both reads in one snapshot, so
 * they agree with each other whatever commits in between.
 */
export async function readChannels(db: Db, scope: Scope, query: AnalyticsQuery): Promise<ChannelLatencyCount[]> {
  const sources = sourcesOf(scope, query, { days: true });
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const bySpan = await sql<ChannelRow>`
        select payment_method_type, connector_account_id, span as latency_ms, sum(attempts)::bigint as attempts, sum(attempts_succeeded)::bigint as attempts_succeeded
          from (
            select payment_method_type, connector_account_id, latency_bucket as span, attempts, attempts_succeeded
              from analytics_daily_channel_spans
             where ${scoped(sources, 'analytics_daily_channel_spans')} and ${sources.wholeDays(sql.ref('day'))}
            union all
            select payment_method_type, connector_account_id, analytics_latency_bucket(latency_ms), attempts, attempts_succeeded
              from analytics_hourly_channels
             where ${scoped(sources, 'analytics_hourly_channels')} and ${sources.wholeHours(sql.ref('hour'))}
            union all
            select a.payment_method_type, a.connector_account_id, analytics_latency_bucket(a.latency_ms), 1, (a.status = 'succeeded')::int
              from payments join payment_attempts a on a.payment_id = payments.id
             where ${scoped(sources, 'payments')} and ${sources.edges(sql.ref('payments.created_at'))} and analytics_attempt_counted(a)
          ) counted
         group by payment_method_type, connector_account_id, span`.execute(trx);
      const spanRows = bySpan.rows.map(channelCount);
      const spans = spansToRefine(spanRows);
      if (spans.length === 0) return refinedChannelRows(spanRows, [], []);
      const exact = await sql<ChannelRow>`
        select payment_method_type, connector_account_id, latency_ms, sum(attempts)::bigint as attempts, sum(attempts_succeeded)::bigint as attempts_succeeded
          from (
            select payment_method_type, connector_account_id, latency_ms, attempts, attempts_succeeded
              from analytics_daily_channels
             where ${scoped(sources, 'analytics_daily_channels')} and ${inSpans('analytics_daily_channels', spans)}
               and ${sources.wholeDays(sql.ref('day'))}
            union all
            select payment_method_type, connector_account_id, latency_ms, attempts, attempts_succeeded
              from analytics_hourly_channels
             where ${scoped(sources, 'analytics_hourly_channels')} and ${sources.wholeHours(sql.ref('hour'))}
               and ${inSpans('analytics_hourly_channels', spans)}
            union all
            select a.payment_method_type, a.connector_account_id, a.latency_ms, 1, (a.status = 'succeeded')::int
              from payments join payment_attempts a on a.payment_id = payments.id
             where ${scoped(sources, 'payments')} and ${sources.edges(sql.ref('payments.created_at'))} and analytics_attempt_counted(a)
               and ${inSpans('a', spans)}
          ) counted
         group by payment_method_type, connector_account_id, latency_ms`.execute(trx);
      return refinedChannelRows(spanRows, spans, exact.rows.map(channelCount));
    });
}
