/**
 * The breakdown of cancellations over a range, from the counts the store
 * reads: per reason, stage, source and detected cause (every known value,
 * zeros included, so the answer's shape never depends on the data), and
 * cancellation rates over the payments created in the range, rounded to 4
 * decimals as every analytics rate is.
 */
import { cancellationSources, cancellationStages, detectedCauses } from './cancellation-cause.ts';
import { cancellationReasons } from '../payments/payment-state.ts';

export interface CancellationGroup {
  reason: string;
  stage: string;
  source: string;
  detected_cause: string;
  count: number;
}

export function rateOf(count: number, total: number): number {
  return total === 0 ? 0 : Math.round((count / total) * 10_000) / 10_000;
}

function countBy(groups: readonly CancellationGroup[], key: keyof Omit<CancellationGroup, 'count'>, values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(values.map((value) => [value, 0]));
  for (const group of groups) counts[group[key]] = (counts[group[key]] ?? 0) + group.count;
  return counts;
}

function ratesOf(counts: Record<string, number>, total: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([value, count]) => [value, rateOf(count, total)]));
}

export function summarizeCancellations(paymentsCreated: number, groups: readonly CancellationGroup[]) {
  const byReason = countBy(groups, 'reason', cancellationReasons);
  const byStage = countBy(groups, 'stage', cancellationStages);
  const cancellations = groups.reduce((sum, group) => sum + group.count, 0);
  return {
    payments_created: paymentsCreated,
    cancellations,
    cancellation_rate: rateOf(cancellations, paymentsCreated),
    by_reason: byReason,
    by_stage: byStage,
    by_source: countBy(groups, 'source', cancellationSources),
    by_detected_cause: countBy(groups, 'detected_cause', detectedCauses),
    cancellation_rate_by_reason: ratesOf(byReason, paymentsCreated),
    cancellation_rate_by_stage: ratesOf(byStage, paymentsCreated),
  };
}

export type CancellationSummary = ReturnType<typeof summarizeCancellations>;

/** The summary as CSV rows: one per figure, `dimension,value,count,rate`. */
export function cancellationSummaryRows(summary: CancellationSummary): { dimension: string; value: string; count: number; rate: number | null }[] {
  const rows: { dimension: string; value: string; count: number; rate: number | null }[] = [
    { dimension: 'payments_created', value: 'all', count: summary.payments_created, rate: null },
    { dimension: 'cancellations', value: 'all', count: summary.cancellations, rate: summary.cancellation_rate },
  ];
  const add = (dimension: string, counts: Record<string, number>, rates: Record<string, number> | null) => {
    for (const [value, count] of Object.entries(counts)) rows.push({ dimension, value, count, rate: rates ? (rates[value] ?? 0) : null });
  };
  add('reason', summary.by_reason, summary.cancellation_rate_by_reason);
  add('stage', summary.by_stage, summary.cancellation_rate_by_stage);
  add('source', summary.by_source, null);
  add('detected_cause', summary.by_detected_cause, null);
  return rows;
}
