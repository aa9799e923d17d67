/**
 * The API's payment figures (GET /v1/analytics/summary and /timeseries) as
 * the pages chart them: buckets regrouped into the merchant's days, series
 * for a chart, and a figure set against the period before. Rates are always
 * recomputed from the counts they divide, never averaged. Pure.
 */
import type { SeriesSpec } from '../../charts/shape.ts';
import { dayIn, startOfDayIn } from './range.ts';

export interface PaymentFigures {
  payments_created: number;
  payments_attempted: number;
  payments_succeeded: number;
  payments_canceled: number;
  payments_abandoned: number;
  payments_refunded: number;
  amount_succeeded: number | null;
  average_order_value: number | null;
  amounts: { currency: string; payments_succeeded: number; amount_succeeded: number; average_order_value: number | null }[];
  success_rate: number | null;
  conversion_rate: number | null;
  cancellation_rate: number | null;
  abandonment_rate: number | null;
  refund_rate: number | null;
  cancellations_by_reason: Record<string, number>;
  decline_codes: Record<string, number>;
}

export interface ChannelFigures {
  payment_method_type: string;
  connector_account: string | null;
  attempts: number;
  attempts_succeeded: number;
  success_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
}

export interface AnalyticsSummary extends PaymentFigures {
  object: 'analytics_summary';
  from: string;
  to: string;
  currency: string | null;
  by_channel: ChannelFigures[];
}

export interface Bucket extends PaymentFigures {
  from: string;
  to: string;
}

export interface AnalyticsTimeseries {
  object: 'analytics_timeseries';
  granularity: 'hour' | 'day';
  currency: string | null;
  data: Bucket[];
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function addRecords(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [key, value] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + value;
  return sum;
}

/** Two figure sets of the same currency filter added up, rates recomputed. */
export function addFigures(a: PaymentFigures, b: PaymentFigures): PaymentFigures {
  const amounts = new Map(a.amounts.map((entry) => [entry.currency, { ...entry }]));
  for (const entry of b.amounts) {
    const known = amounts.get(entry.currency);
    if (!known) amounts.set(entry.currency, { ...entry });
    else {
      known.payments_succeeded += entry.payments_succeeded;
      known.amount_succeeded += entry.amount_succeeded;
    }
  }
  const amountList = [...amounts.values()]
    .sort((x, y) => (x.currency < y.currency ? -1 : 1))
    .map((entry) => ({ ...entry, average_order_value: entry.payments_succeeded === 0 ? null : Math.round(entry.amount_succeeded / entry.payments_succeeded) }));
  const sum = (key: 'payments_created' | 'payments_attempted' | 'payments_succeeded' | 'payments_canceled' | 'payments_abandoned' | 'payments_refunded') => a[key] + b[key];
  const created = sum('payments_created');
  const attempted = sum('payments_attempted');
  const succeeded = sum('payments_succeeded');
  const canceled = sum('payments_canceled');
  const abandoned = sum('payments_abandoned');
  const refunded = sum('payments_refunded');
  const single = a.amount_succeeded !== null && b.amount_succeeded !== null;
  const amountSucceeded = single ? a.amount_succeeded! + b.amount_succeeded! : null;
  return {
    payments_created: created,
    payments_attempted: attempted,
    payments_succeeded: succeeded,
    payments_canceled: canceled,
    payments_abandoned: abandoned,
    payments_refunded: refunded,
    amount_succeeded: amountSucceeded,
    average_order_value: amountSucceeded === null || succeeded === 0 ? null : Math.round(amountSucceeded / succeeded),
    amounts: amountList,
    success_rate: ratio(succeeded, attempted),
    conversion_rate: ratio(succeeded, created),
    cancellation_rate: ratio(canceled, created),
    abandonment_rate: ratio(abandoned, created),
    refund_rate: ratio(refunded, succeeded),
    cancellations_by_reason: addRecords(a.cancellations_by_reason, b.cancellations_by_reason),
    decline_codes: addRecords(a.decline_codes, b.decline_codes),
  };
}

/** Hourly buckets added up into the merchant's calendar days, oldest first. */
export function regroupByLocalDay(buckets: readonly Bucket[], timeZone: string): Bucket[] {
  const days = new Map<string, Bucket>();
  for (const bucket of buckets) {
    const day = dayIn(new Date(bucket.from), timeZone);
    const known = days.get(day);
    if (!known) {
      const dayStart = startOfDayIn(day, timeZone);
      // The first day may start at the range's start rather than at midnight.
      const from = new Date(Math.max(dayStart.getTime(), Date.parse(bucket.from))).toISOString();
      days.set(day, { ...bucket, from });
    } else {
      days.set(day, { ...addFigures(known, bucket), from: known.from, to: bucket.to });
    }
  }
  return [...days.values()];
}

export type FigureKey = 'payments_created' | 'payments_succeeded' | 'amount_succeeded' | 'average_order_value' | 'success_rate' | 'conversion_rate' | 'cancellation_rate' | 'abandonment_rate' | 'refund_rate';

/** One series of a chart: a figure of every bucket. */
export function seriesOf(buckets: readonly PaymentFigures[], key: FigureKey, name: string, type?: 'line' | 'bar'): SeriesSpec {
  return { name, type, values: buckets.map((bucket) => bucket[key]) };
}

/**
 * How a figure moved against the period before: the relative change for
 * counts and amounts (null when there was nothing before), the difference in
 * points for rates and scores.
 */
export interface Comparison {
  current: number | null;
  previous: number | null;
  /** For counts and amounts, (current − previous) / previous; for rates and scores, current − previous. */
  change: number | null;
  mode: 'relative' | 'difference';
}

export function compare(current: number | null, previous: number | null, mode: 'relative' | 'difference'): Comparison {
  if (current === null || previous === null) return { current, previous, change: null, mode };
  if (mode === 'difference') return { current, previous, change: current - previous, mode };
  return { current, previous, change: previous === 0 ? null : (current - previous) / previous, mode };
}

/** Counts by key (reasons, codes) as the categories and values of a bar chart, largest first, at most `max`. */
export function topCounts(counts: Record<string, number>, max: number): { keys: string[]; values: number[] } {
  const entries = Object.entries(counts)
    .filter(([, value]) => value > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max);
  return { keys: entries.map(([key]) => key), values: entries.map(([, value]) => value) };
}
