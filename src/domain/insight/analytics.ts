/**
 * Payment analytics, the pure part: which figures a set of counts gives
 * (rates, average order value, percentiles), how a range splits into whole
 * days and whole hours (read from the daily and hourly rollups) and partial
 * edges (counted from the raw tables), and the buckets of a time series.
 *
 * Definitions (API.md, "Analytics"), and what it leaves open:
 * - A rate whose denominator is zero is `null` ("no data"), never 0: a
 *   merchant with no attempts has no success rate, not a 0 % one.
 * - Rates are rounded half up to 4 decimals from the exact integer ratio.
 * - `average_order_value` = amount_succeeded / payments_succeeded, rounded
 *   half up to a whole minor unit; `null` without succeeded payments or
 *   without a single currency (amounts are never added across currencies).
 * - Percentiles are nearest-rank: the p-th percentile of N latencies is the
 *   smallest value v with at least ceil(p × N / 100) latencies ≤ v.
 */
import { assert } from '../assert.ts';
import { cancellationReasons } from '../payments/payment-state.ts';

export const analyticsGranularities = ['hour', 'day'] as const;
export type AnalyticsGranularity = (typeof analyticsGranularities)[number];

export const hourMs = 60 * 60 * 1000;
export const dayMs = 24 * hourMs;
export const latencyPercentiles = [50, 95, 99] as const;

export interface TimeRange {
  from: Date;
  to: Date;
}

// ---------------------------------------------------------------- figures

/** One currency's payment counts over a range (or a bucket). */
export interface CurrencyCounts {
  currency: string;
  created: number;
  attempted: number;
  succeeded: number;
  canceled: number;
  /** Succeeded payments with at least one succeeded refund. */
  refunded: number;
  amountSucceeded: bigint;
}

export interface ReasonCount {
  currency: string;
  reason: string;
  count: number;
}

export interface DeclineCount {
  currency: string;
  code: string;
  count: number;
}

/** What the store reads for one range or bucket: everything but the channels. */
export interface AnalyticsTotals {
  currencies: CurrencyCounts[];
  cancellations: ReasonCount[];
  declines: DeclineCount[];
}

export interface CurrencyAmount {
  currency: string;
  payments_succeeded: number;
  amount_succeeded: bigint;
  average_order_value: bigint | null;
}

export interface Figures {
  payments_created: number;
  payments_attempted: number;
  payments_succeeded: number;
  payments_canceled: number;
  payments_abandoned: number;
  payments_refunded: number;
  /** Only for one currency; null when the figures span several. */
  amount_succeeded: bigint | null;
  average_order_value: bigint | null;
  amounts: CurrencyAmount[];
  success_rate: number | null;
  conversion_rate: number | null;
  cancellation_rate: number | null;
  abandonment_rate: number | null;
  refund_rate: number | null;
  cancellations_by_reason: Record<string, number>;
  decline_codes: Record<string, number>;
}

export const emptyTotals: AnalyticsTotals = { currencies: [], cancellations: [], declines: [] };

/**
 * The figures of a range. `currency` null: counts and rates over every
 * currency, amounts per currency in `amounts`; a currency: only its rows.
 */
export function figuresOf(totals: AnalyticsTotals, currency: string | null): Figures {
  const mine = <T extends { currency: string }>(rows: readonly T[]) => (currency === null ? rows : rows.filter((row) => row.currency === currency));
  const counts = mine(totals.currencies);
  const sum = (pick: (row: CurrencyCounts) => number) => counts.reduce((total, row) => total + pick(row), 0);
  const created = sum((row) => row.created);
  const attempted = sum((row) => row.attempted);
  const succeeded = sum((row) => row.succeeded);
  const canceled = sum((row) => row.canceled);
  const refunded = sum((row) => row.refunded);
  const cancellationsByReason = countsByKey(mine(totals.cancellations).map((row) => [row.reason, row.count]), cancellationReasons);
  const abandoned = cancellationsByReason.abandoned ?? 0;
  const amounts = amountsOf(counts);
  if (currency !== null && amounts.length === 0) amounts.push({ currency, payments_succeeded: 0, amount_succeeded: 0n, average_order_value: null });
  const single = currency === null ? undefined : amounts[0];
  return {
    payments_created: created,
    payments_attempted: attempted,
    payments_succeeded: succeeded,
    payments_canceled: canceled,
    payments_abandoned: abandoned,
    payments_refunded: refunded,
    amount_succeeded: single ? single.amount_succeeded : null,
    average_order_value: single ? single.average_order_value : null,
    amounts,
    success_rate: rate(succeeded, attempted),
    conversion_rate: rate(succeeded, created),
    cancellation_rate: rate(canceled, created),
    abandonment_rate: rate(abandoned, created),
    refund_rate: rate(refunded, succeeded),
    cancellations_by_reason: cancellationsByReason,
    decline_codes: countsByKey(mine(totals.declines).map((row) => [row.code, row.count]), []),
  };
}

/** One entry per currency that has payments in the range, in currency order. */
function amountsOf(counts: readonly CurrencyCounts[]): CurrencyAmount[] {
  const byCurrency = new Map<string, { succeeded: number; amount: bigint }>();
  for (const row of counts) {
    const entry = byCurrency.get(row.currency) ?? { succeeded: 0, amount: 0n };
    entry.succeeded += row.succeeded;
    entry.amount += row.amountSucceeded;
    byCurrency.set(row.currency, entry);
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, entry]) => ({
      currency,
      payments_succeeded: entry.succeeded,
      amount_succeeded: entry.amount,
      average_order_value: averageOrderValue(entry.amount, entry.succeeded),
    }));
}

/** Sums counts per key: the known keys first (with zeros), then the others by count, most first. */
function countsByKey(entries: readonly [string, number][], knownKeys: readonly string[]): Record<string, number> {
  const totals = new Map<string, number>(knownKeys.map((key) => [key, 0]));
  for (const [key, count] of entries) totals.set(key, (totals.get(key) ?? 0) + count);
  const known = new Set(knownKeys);
  const others = [...totals.entries()].filter(([key, count]) => !known.has(key) && count !== 0);
  others.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries([...knownKeys.map((key) => [key, totals.get(key) ?? 0] as const), ...others]);
}

/** numerator / denominator rounded half up to 4 decimals, computed on integers; null when there is nothing to divide by. */
export function rate(numerator: number, denominator: number): number | null {
  assert(Number.isSafeInteger(numerator) && Number.isSafeInteger(denominator) && numerator >= 0 && denominator >= 0, 'counts are non-negative integers');
  if (denominator === 0) return null;
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  const tenThousandths = (n * 20_000n + d) / (2n * d);
  return Number(tenThousandths) / 10_000;
}

/** amount / count rounded half up to a whole minor unit; null without any payment. */
export function averageOrderValue(amount: bigint, count: number): bigint | null {
  assert(amount >= 0n && Number.isSafeInteger(count) && count >= 0, 'amounts and counts are non-negative');
  if (count === 0) return null;
  const n = BigInt(count);
  return (amount * 2n + n) / (2n * n);
}

// ---------------------------------------------------------------- channels and latency

export interface LatencyCount {
  /** Null for an attempt whose latency was never recorded: it counts as an attempt, not in the percentiles. */
  latencyMs: number | null;
  count: number;
}

/** The nearest-rank percentile (0 < percent ≤ 100) of a histogram of integer latencies; null when it holds none. */
export function percentileNearestRank(histogram: readonly LatencyCount[], percent: number): number | null {
  assert(percent > 0 && percent <= 100 && Number.isInteger(percent), 'a whole percentile in (0, 100]');
  const known = histogram.filter((entry): entry is { latencyMs: number; count: number } => entry.latencyMs !== null && entry.count > 0);
  const total = known.reduce((sum, entry) => sum + entry.count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((percent * total) / 100));
  const sorted = [...known].sort((a, b) => a.latencyMs - b.latencyMs);
  let seen = 0;
  for (const entry of sorted) {
    seen += entry.count;
    if (seen >= rank) return entry.latencyMs;
  }
  throw new Error('the rank is within the total');
}

export interface ChannelLatencyCount {
  paymentMethodType: string;
  connectorAccount: string | null;
  latencyMs: number | null;
  attempts: number;
  attemptsSucceeded: number;
}

export interface ChannelFigures {
  payment_method_type: string;
  connector_account: string | null;
  attempts: number;
  attempts_succeeded: number;
  success_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
}

/** One entry per payment method type and connector account, ordered by both. */
export function channelFiguresOf(rows: readonly ChannelLatencyCount[]): ChannelFigures[] {
  const channels = new Map<string, { type: string; account: string | null; attempts: number; succeeded: number; histogram: LatencyCount[] }>();
  for (const row of rows) {
    const key = JSON.stringify([row.paymentMethodType, row.connectorAccount]);
    const channel = channels.get(key) ?? { type: row.paymentMethodType, account: row.connectorAccount, attempts: 0, succeeded: 0, histogram: [] };
    channel.attempts += row.attempts;
    channel.succeeded += row.attemptsSucceeded;
    channel.histogram.push({ latencyMs: row.latencyMs, count: row.attempts });
    channels.set(key, channel);
  }
  const order = (a: string | null, b: string | null) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);
  return [...channels.values()]
    .filter((channel) => channel.attempts > 0)
    .sort((a, b) => order(a.type, b.type) || order(a.account, b.account))
    .map((channel) => ({
      payment_method_type: channel.type,
      connector_account: channel.account,
      attempts: channel.attempts,
      attempts_succeeded: channel.succeeded,
      success_rate: rate(channel.succeeded, channel.attempts),
      latency_ms: {
        p50: percentileNearestRank(channel.histogram, 50),
        p95: percentileNearestRank(channel.histogram, 95),
        p99: percentileNearestRank(channel.histogram, 99),
      },
    }));
}

// ---------------------------------------------------------------- latency spans

/**
 * Whole days keep their latencies twice: counted per span of 32 ms (the
 * migration's analytics_latency_bucket, `latency_ms >> 5`, must agree), and
 * per exact latency. A summary reads the spans, finds the span each
 * percentile falls in, and reads exact latencies for those spans only.
 */
export const latencySpanMs = 32;

export function latencySpanOf(latencyMs: number): number {
  return Math.floor(latencyMs / latencySpanMs);
}

export interface ChannelSpan {
  paymentMethodType: string;
  connectorAccount: string | null;
  /** The span's index: it holds latencies from span × latencySpanMs to (span + 1) × latencySpanMs - 1. */
  span: number;
}

const channelKey = (row: { paymentMethodType: string; connectorAccount: string | null }) => JSON.stringify([row.paymentMethodType, row.connectorAccount]);

/**
 * The spans the percentiles of each channel fall in, from rows whose
 * `latencyMs` holds a span index (null: no latency), in channel and span order.
 */
export function spansToRefine(spanRows: readonly ChannelLatencyCount[]): ChannelSpan[] {
  const channels = new Map<string, { type: string; account: string | null; histogram: LatencyCount[] }>();
  for (const row of spanRows) {
    const key = channelKey(row);
    const channel = channels.get(key) ?? { type: row.paymentMethodType, account: row.connectorAccount, histogram: [] };
    channel.histogram.push({ latencyMs: row.latencyMs, count: row.attempts });
    channels.set(key, channel);
  }
  const spans: ChannelSpan[] = [];
  for (const channel of channels.values()) {
    const found = new Set<number>();
    for (const percent of latencyPercentiles) {
      const span = percentileNearestRank(channel.histogram, percent);
      if (span !== null) found.add(span);
    }
    for (const span of [...found].sort((a, b) => a - b)) spans.push({ paymentMethodType: channel.type, connectorAccount: channel.account, span });
  }
  return spans;
}

/**
 * The rows to compute channel figures from: the exact latencies of the
 * refined spans, and every other span as one row at the span's first
 * millisecond. Exact: each percentile lies in a refined span, every latency
 * of a span below it counts as below whatever value it is placed at, every
 * one of a span above as above, so the ranks within the refined span are the
 * true ones; the attempt counts are the same either way.
 */
export function refinedChannelRows(spanRows: readonly ChannelLatencyCount[], refined: readonly ChannelSpan[], exactRows: readonly ChannelLatencyCount[]): ChannelLatencyCount[] {
  const isRefined = new Set(refined.map((span) => JSON.stringify([span.paymentMethodType, span.connectorAccount, span.span])));
  const rows: ChannelLatencyCount[] = [];
  for (const row of spanRows) {
    if (row.latencyMs !== null && isRefined.has(JSON.stringify([row.paymentMethodType, row.connectorAccount, row.latencyMs]))) continue;
    rows.push({ ...row, latencyMs: row.latencyMs === null ? null : row.latencyMs * latencySpanMs });
  }
  for (const row of exactRows) {
    assert(row.latencyMs !== null && isRefined.has(JSON.stringify([row.paymentMethodType, row.connectorAccount, latencySpanOf(row.latencyMs)])), 'exact rows only of refined spans');
    rows.push(row);
  }
  return rows;
}

// ---------------------------------------------------------------- ranges and buckets

export function floorTo(ms: number, unitMs: number): number {
  return Math.floor(ms / unitMs) * unitMs;
}

export function ceilTo(ms: number, unitMs: number): number {
  return Math.ceil(ms / unitMs) * unitMs;
}

/**
 * Splits [from, to) into the whole UTC hours inside it (read from the
 * rollups) and at most two partial edges (counted from the raw tables).
 */
export function splitRange(range: TimeRange): { wholeHours: TimeRange | null; edges: TimeRange[] } {
  const fromMs = range.from.getTime();
  const toMs = range.to.getTime();
  assert(fromMs < toMs, 'a range ends after it starts');
  const firstHourMs = ceilTo(fromMs, hourMs);
  const lastHourMs = floorTo(toMs, hourMs);
  if (firstHourMs >= lastHourMs) return { wholeHours: null, edges: [{ from: range.from, to: range.to }] };
  const edges: TimeRange[] = [];
  if (fromMs < firstHourMs) edges.push({ from: range.from, to: new Date(firstHourMs) });
  if (lastHourMs < toMs) edges.push({ from: new Date(lastHourMs), to: range.to });
  return { wholeHours: { from: new Date(firstHourMs), to: new Date(lastHourMs) }, edges };
}

export interface RangeLevels {
  /** The whole UTC days inside the range: read from the daily rollups. */
  wholeDays: TimeRange | null;
  /** The whole UTC hours left at either end (at most two spans, each within a day): read from the hourly rollups. */
  wholeHours: TimeRange[];
  /** The partial hours at either end: counted from the raw tables. */
  edges: TimeRange[];
}

/**
 * Splits [from, to) in three levels: the whole UTC days inside it, the whole
 * hours around them, and the partial hours at the edges. Without `days`
 * (hourly buckets, which daily rows cannot give) it stops at hours.
 */
export function splitRangeLevels(range: TimeRange, options: { days: boolean }): RangeLevels {
  const { wholeHours, edges } = splitRange(range);
  if (!wholeHours) return { wholeDays: null, wholeHours: [], edges };
  const hoursFromMs = wholeHours.from.getTime();
  const hoursToMs = wholeHours.to.getTime();
  const firstDayMs = ceilTo(hoursFromMs, dayMs);
  const lastDayMs = floorTo(hoursToMs, dayMs);
  if (!options.days || firstDayMs >= lastDayMs) return { wholeDays: null, wholeHours: [wholeHours], edges };
  const hours: TimeRange[] = [];
  if (hoursFromMs < firstDayMs) hours.push({ from: wholeHours.from, to: new Date(firstDayMs) });
  if (lastDayMs < hoursToMs) hours.push({ from: new Date(lastDayMs), to: wholeHours.to });
  return { wholeDays: { from: new Date(firstDayMs), to: new Date(lastDayMs) }, wholeHours: hours, edges };
}

export function granularityMs(granularity: AnalyticsGranularity): number {
  return granularity === 'hour' ? hourMs : dayMs;
}

export interface Bucket extends TimeRange {
  /** The start of the whole UTC hour or day the bucket lies in: how the store labels its rows. */
  startMs: number;
}

/**
 * The buckets of [from, to): whole UTC hours or days, the first and last cut
 * to the range, so the buckets cover the range exactly and never overlap.
 */
export function bucketsOf(range: TimeRange, granularity: AnalyticsGranularity): Bucket[] {
  const unitMs = granularityMs(granularity);
  const fromMs = range.from.getTime();
  const toMs = range.to.getTime();
  assert(fromMs < toMs, 'a range ends after it starts');
  const buckets: Bucket[] = [];
  for (let startMs = floorTo(fromMs, unitMs); startMs < toMs; startMs += unitMs) {
    buckets.push({ startMs, from: new Date(Math.max(startMs, fromMs)), to: new Date(Math.min(startMs + unitMs, toMs)) });
  }
  return buckets;
}

// ---------------------------------------------------------------- parameters

const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?([Zz]|[+-]\d{2}:\d{2}))?$/;

/**
 * An ISO 8601 instant: a date and time with `Z` or an offset, to the
 * millisecond (payments are stamped to the millisecond, so finer would
 * change nothing), or a bare date, read as 00:00 UTC. Null when it is not one.
 */
export function parseInstant(text: string): Date | null {
  const match = dateTimePattern.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, , zone] = match;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1 || d > new Date(Date.UTC(y, m, 0)).getUTCDate()) return null;
  if (hour === undefined) return new Date(Date.UTC(y, m - 1, d));
  if (zone === undefined || Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) return null;
  if (zone.length > 1 && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59)) return null;
  const ms = Date.parse(text.toUpperCase().replace(' ', 'T'));
  return Number.isNaN(ms) ? null : new Date(ms);
}

export interface RangeBounds {
  rangeDaysMax: number;
  hourlyRangeDaysMax: number;
}

/** Why a range cannot be answered (the parameter to blame and the reason), or null when it can. */
export function rangeProblem(range: TimeRange, granularity: AnalyticsGranularity | null, bounds: RangeBounds): { param: string; reason: string } | null {
  const lengthMs = range.to.getTime() - range.from.getTime();
  if (lengthMs <= 0) return { param: 'to', reason: 'it must be later than from' };
  if (lengthMs > bounds.rangeDaysMax * dayMs) return { param: 'to', reason: `a range is at most ${bounds.rangeDaysMax} days` };
  if (granularity === 'hour' && lengthMs > bounds.hourlyRangeDaysMax * dayMs) {
    return { param: 'granularity', reason: `hourly buckets cover at most ${bounds.hourlyRangeDaysMax} days; ask for granularity=day or a shorter range` };
  }
  return null;
}
