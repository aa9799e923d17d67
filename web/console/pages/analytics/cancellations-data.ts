/**
 * Cancellations by reason, stage, source or detected cause, over the range
 * and per bucket (GET /v1/analytics/cancellations/summary, once per bucket),
 * shaped for the cancellations page's charts. Pure.
 */
import type { CategoryChartData, TimeChartData } from '../../charts/shape.ts';
import { topCounts } from './figures.ts';

export const cancellationDimensions = ['reason', 'stage', 'source', 'detected_cause'] as const;
export type CancellationDimension = (typeof cancellationDimensions)[number];

export interface CancellationSummary {
  object: 'cancellation_summary';
  from: string;
  to: string;
  payments_created: number;
  cancellations: number;
  cancellation_rate: number;
  by_reason: Record<string, number>;
  by_stage: Record<string, number>;
  by_source: Record<string, number>;
  by_detected_cause: Record<string, number>;
}

export function countsBy(summary: CancellationSummary, dimension: CancellationDimension): Record<string, number> {
  switch (dimension) {
    case 'reason':
      return summary.by_reason;
    case 'stage':
      return summary.by_stage;
    case 'source':
      return summary.by_source;
    case 'detected_cause':
      return summary.by_detected_cause;
  }
}

/** The range's cancellations per value of the dimension, largest first (values with none left out). */
export function totalsChart(summary: CancellationSummary, dimension: CancellationDimension, label: (value: string) => string, name: string): CategoryChartData {
  const top = topCounts(countsBy(summary, dimension), 50);
  return { categories: top.keys.map(label), valueKind: 'count', horizontal: true, series: [{ name, values: top.values }] };
}

/**
 * Stacked bars per bucket: one series per value of the dimension among the
 * range's `valuesMax` most frequent, the rest summed as `otherName`.
 */
export function overTimeChart(
  total: CancellationSummary,
  buckets: readonly CancellationSummary[],
  dimension: CancellationDimension,
  granularity: 'hour' | 'day',
  label: (value: string) => string,
  valuesMax: number,
  otherName: string,
): TimeChartData {
  const top = topCounts(countsBy(total, dimension), valuesMax).keys;
  const series = top.map((value) => ({ name: label(value), type: 'bar' as const, stack: 'cancellations', values: buckets.map((bucket) => countsBy(bucket, dimension)[value] ?? 0) }));
  const rest = buckets.map((bucket) => Object.entries(countsBy(bucket, dimension)).reduce((sum, [value, count]) => (top.includes(value) ? sum : sum + count), 0));
  if (rest.some((count) => count > 0)) series.push({ name: otherName, type: 'bar', stack: 'cancellations', values: rest });
  return { times: buckets.map((bucket) => bucket.from), granularity, valueKind: 'count', series };
}

/** The cancellation rate of each bucket, as a line. */
export function rateOverTime(buckets: readonly CancellationSummary[], granularity: 'hour' | 'day', name: string): TimeChartData {
  return {
    times: buckets.map((bucket) => bucket.from),
    granularity,
    valueKind: 'rate',
    series: [{ name, values: buckets.map((bucket) => (bucket.payments_created === 0 ? null : bucket.cancellations / bucket.payments_created)) }],
  };
}
