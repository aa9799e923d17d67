/**
 * Alerts and incidents as the alerts page shows them: an alert's measured
 * value in the unit of its kind, and incidents counted per merchant's day
 * with their mean time to recover. Pure.
 */
import type { TimeChartData, ValueKind } from '../../charts/shape.ts';
import { dayIn, startOfDayIn, addDays, type Range } from './range.ts';

export type AlertKind = 'failure_rate' | 'cancellation_rate' | 'latency_p95' | 'circuit_opened';

/** What an alert's value and threshold are: a rate, milliseconds, or a count of open circuits. */
export function valueKindOf(kind: AlertKind): ValueKind {
  if (kind === 'latency_p95') return 'duration';
  if (kind === 'circuit_opened') return 'count';
  return 'rate';
}

export interface Incident {
  id: string;
  kind: 'circuit_open' | 'success_rate_alert';
  connector_account: string | null;
  connector: string | null;
  payment_method_type: string | null;
  alert: string | null;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
}

/**
 * Per merchant's day of the range: incidents started, and the mean duration
 * of those of them that ended (null on a day without one).
 */
export function incidentsPerDay(incidents: readonly Incident[], range: Range, timeZone: string, names: { started: string; meanTimeToRecover: string }): { started: TimeChartData; recovery: TimeChartData } {
  const days: string[] = [];
  const lastDay = dayIn(new Date(range.to.getTime() - 1), timeZone);
  for (let day = dayIn(range.from, timeZone); day <= lastDay; day = addDays(day, 1)) days.push(day);
  const started = new Map(days.map((day) => [day, 0]));
  const durations = new Map<string, number[]>(days.map((day) => [day, []]));
  for (const incident of incidents) {
    const day = dayIn(new Date(incident.started_at), timeZone);
    if (!started.has(day)) continue;
    started.set(day, started.get(day)! + 1);
    if (incident.duration_ms !== null) durations.get(day)!.push(incident.duration_ms);
  }
  const times = days.map((day) => startOfDayIn(day, timeZone).toISOString());
  const mean = (values: number[]) => (values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / values.length));
  return {
    started: { times, granularity: 'day', valueKind: 'count', series: [{ name: names.started, type: 'bar', values: days.map((day) => started.get(day)!) }] },
    recovery: { times, granularity: 'day', valueKind: 'duration', series: [{ name: names.meanTimeToRecover, type: 'bar', values: days.map((day) => mean(durations.get(day)!)) }] },
  };
}
