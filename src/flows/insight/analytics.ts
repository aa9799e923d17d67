/**
 * Payment analytics for a merchant: a summary of a range and a time series
 * of it, each as JSON or as CSV rows. Checks the parameters, reads the
 * counts (store), and lets the domain turn them into figures.
 */
import {
  bucketsOf,
  channelFiguresOf,
  emptyTotals,
  figuresOf,
  parseInstant,
  rangeProblem,
  type AnalyticsGranularity,
  type AnalyticsTotals,
  type ChannelFigures,
  type Figures,
  type TimeRange,
} from '../../domain/insight/analytics.ts';
import type { CsvValue } from '../../domain/csv.ts';
import { flattenRecord } from '../../domain/csv.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { amountToJson, isCurrency } from '../../domain/money.ts';
import { foldAnalytics, readChannels, readTotals } from '../../store/analytics.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';

export interface AnalyticsParameters {
  from: string;
  to: string;
  currency?: string;
}

interface CheckedParameters {
  range: TimeRange;
  currency: string | null;
}

export interface Summary {
  range: TimeRange;
  currency: string | null;
  figures: Figures;
  channels: ChannelFigures[];
  /** The counts the figures came from, for a CSV row per currency. */
  totals: AnalyticsTotals;
}

export interface TimeseriesBucket extends TimeRange {
  figures: Figures;
}

export interface Timeseries {
  range: TimeRange;
  currency: string | null;
  granularity: AnalyticsGranularity;
  buckets: TimeseriesBucket[];
}

/**
 * The rollups are folded in batches by the worker (every few seconds); a
 * reader first folds what is still noted for its merchant, so its figures
 * are exact whatever the lag. The fold writes, so it runs on the primary;
 * the read after it goes to the replica only once the replica has replayed
 * the fold (onReadDatabase waits for the primary's position taken after it).
 */
export async function foldMerchantAnalytics(context: FlowContext, scope: Scope): Promise<void> {
  await foldAnalytics(context.db, scope.merchantId, { batchSize: limits.analyticsFoldBatchSize, batchesMax: limits.analyticsFoldOnReadBatchesMax });
}

/** The worker's fold: every merchant's changes, up to 20 batches a run. */
export async function foldAllAnalytics(context: FlowContext): Promise<number> {
  return foldAnalytics(context.db, null, { batchSize: limits.analyticsFoldBatchSize, batchesMax: limits.analyticsFoldWorkerBatchesMax });
}

export async function analyticsSummary(context: FlowContext, scope: Scope, parameters: AnalyticsParameters): Promise<Summary> {
  const query = checkParameters(parameters, null);
  await foldMerchantAnalytics(context, scope);
  const [totals, channels] = await onReadDatabase(context, (db) => Promise.all([readTotals(db, scope, query, null), readChannels(db, scope, query)]));
  const rangeTotals = totals.get(0) ?? emptyTotals;
  return { ...query, figures: figuresOf(rangeTotals, query.currency), channels: channelFiguresOf(channels), totals: rangeTotals };
}

export async function analyticsTimeseries(
  context: FlowContext,
  scope: Scope,
  parameters: AnalyticsParameters & { granularity: AnalyticsGranularity },
): Promise<Timeseries> {
  const query = checkParameters(parameters, parameters.granularity);
  await foldMerchantAnalytics(context, scope);
  const totals = await onReadDatabase(context, (db) => readTotals(db, scope, query, parameters.granularity));
  const buckets = bucketsOf(query.range, parameters.granularity).map((bucket) => ({
    from: bucket.from,
    to: bucket.to,
    figures: figuresOf(totals.get(bucket.startMs) ?? emptyTotals, query.currency),
  }));
  return { ...query, granularity: parameters.granularity, buckets };
}

function checkParameters(parameters: AnalyticsParameters, granularity: AnalyticsGranularity | null): CheckedParameters {
  const from = instant(parameters.from, 'from');
  const to = instant(parameters.to, 'to');
  const range = { from, to };
  const problem = rangeProblem(range, granularity, { rangeDaysMax: limits.analyticsRangeDaysMax, hourlyRangeDaysMax: limits.analyticsHourlyRangeDaysMax });
  if (problem) throw new PaymentError('parameter_invalid', { param: problem.param, details: { reason: problem.reason } });
  const currency = parameters.currency ?? null;
  if (currency !== null && !isCurrency(currency)) throw new PaymentError('currency_invalid', { param: 'currency', details: { currency } });
  return { range, currency };
}

function instant(text: string, param: string): Date {
  const date = parseInstant(text);
  if (!date) {
    throw new PaymentError('parameter_invalid', {
      param,
      details: { reason: 'an ISO 8601 time with a time zone (2026-03-01T00:00:00Z, 2026-03-01T08:00:00+08:00) or a date (2026-03-01, read as UTC)' },
    });
  }
  return date;
}

// ---------------------------------------------------------------- JSON

export function presentFigures(figures: Figures) {
  return {
    ...figures,
    amount_succeeded: figures.amount_succeeded === null ? null : amountToJson(figures.amount_succeeded),
    average_order_value: figures.average_order_value === null ? null : amountToJson(figures.average_order_value),
    amounts: figures.amounts.map((entry) => ({
      ...entry,
      amount_succeeded: amountToJson(entry.amount_succeeded),
      average_order_value: entry.average_order_value === null ? null : amountToJson(entry.average_order_value),
    })),
  };
}

export function presentSummary(summary: Summary) {
  return {
    object: 'analytics_summary' as const,
    from: summary.range.from.toISOString(),
    to: summary.range.to.toISOString(),
    currency: summary.currency,
    ...presentFigures(summary.figures),
    by_channel: summary.channels,
  };
}

export function presentTimeseries(series: Timeseries) {
  return {
    object: 'analytics_timeseries' as const,
    from: series.range.from.toISOString(),
    to: series.range.to.toISOString(),
    currency: series.currency,
    granularity: series.granularity,
    data: series.buckets.map((bucket) => ({ from: bucket.from.toISOString(), to: bucket.to.toISOString(), ...presentFigures(bucket.figures) })),
  };
}

// ---------------------------------------------------------------- CSV

export interface CsvTable {
  columns: string[];
  rows: Record<string, CsvValue>[];
}

/**
 * Summary as CSV, one row per currency: each row the figures of that
 * currency alone. Without a currency filter a last row, with an empty
 * currency, holds the counts and rates over all currencies (its amount
 * columns stay empty: amounts are never added across currencies).
 */
export function summaryCsvByCurrency(summary: Summary): CsvTable {
  const range = { from: summary.range.from, to: summary.range.to };
  const currencies = summary.currency !== null ? [summary.currency] : [...new Set(summary.totals.currencies.map((row) => row.currency))].sort();
  const rows = currencies.map((currency) => ({ ...range, ...figuresCsv(figuresOf(summary.totals, currency)), currency }));
  if (summary.currency === null) rows.push({ ...range, ...figuresCsv({ ...summary.figures, amounts: [] }), currency: '' });
  return tableOf(rows);
}

/** Summary as CSV, one row per channel (payment method type and connector account). */
export function summaryCsvByChannel(summary: Summary): CsvTable {
  const rows = summary.channels.map((channel) => ({
    from: summary.range.from,
    to: summary.range.to,
    currency: summary.currency ?? '',
    ...flattenRecord({ ...channel }),
  }));
  const columns = ['from', 'to', 'currency', 'payment_method_type', 'connector_account', 'attempts', 'attempts_succeeded', 'success_rate', 'latency_ms.p50', 'latency_ms.p95', 'latency_ms.p99'];
  return { columns, rows };
}

/** Time series as CSV, one row per bucket; without a currency, amounts go in one column per currency. */
export function timeseriesCsv(series: Timeseries): CsvTable {
  const rows = series.buckets.map((bucket) => ({ from: bucket.from, to: bucket.to, currency: series.currency ?? '', ...figuresCsv(bucket.figures) }));
  return tableOf(rows);
}

/** The figures as flat CSV fields: nested counts as dotted columns, amounts per currency when they span several. */
function figuresCsv(figures: Figures): Record<string, CsvValue> {
  const { amounts, ...rest } = figures;
  const flat = flattenRecord(rest);
  if (figures.amount_succeeded === null) {
    delete flat.amount_succeeded;
    delete flat.average_order_value;
    for (const entry of amounts) {
      flat[`amount_succeeded.${entry.currency}`] = entry.amount_succeeded;
      flat[`average_order_value.${entry.currency}`] = entry.average_order_value;
    }
  }
  return flat;
}

/**
 * Every column any row has, range and currency first, then in the order they
 * first appear; a decline code another row has counts 0 in a row without it.
 */
function tableOf(rows: Record<string, CsvValue>[]): CsvTable {
  const columns = new Set(['from', 'to', 'currency']);
  for (const row of rows) for (const column of Object.keys(row)) columns.add(column);
  for (const row of rows) {
    for (const column of columns) if (column.startsWith('decline_codes.') && row[column] === undefined) row[column] = 0;
  }
  return { columns: [...columns], rows };
}
