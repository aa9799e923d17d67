/**
 * Deciding whether an alert rule's condition holds, from statistics measured
 * over its window. Pure: the worker measures (store/alerts.ts), this decides,
 * the flow raises or resolves.
 *
 * - A rate or a latency is judged only on at least `minSample` observations
 *   in the window: one failure out of one attempt pages nobody. With fewer,
 *   nothing changes (an open alert stays open: there is no evidence that the
 *   channel recovered).
 * - Hysteresis: an alert triggers when the value is above the threshold, and
 *   resolves only when a whole window's value is at or below the threshold
 *   lowered by `resolveMarginRatio`, so a rate hovering at the threshold does
 *   not flap between triggered and resolved.
 * - Baseline: the threshold is mean + k·stddev of the same rate over the N
 *   windows before the current one (windows with fewer than `minSample`
 *   observations are left out; at least `baselineWindowsMin` are needed). The
 *   stddev is floored so a perfectly steady history does not make the next
 *   blip an alert. The level is frozen in the alert when it triggers: it is
 *   judged against that level until it resolves, because the baseline itself
 *   drifts up while the incident fills the later windows.
 * - A circuit rule holds while at least one circuit incident is open.
 */
import { assert } from '../assert.ts';

export const alertRuleKinds = ['failure_rate', 'cancellation_rate', 'latency_p95', 'circuit_opened'] as const;
export type AlertRuleKind = (typeof alertRuleKinds)[number];

export const alertPolicy = {
  /** An alert resolves at or below threshold × (1 − this). */
  resolveMarginRatio: 0.1,
  baselineWindowsMin: 3,
  baselineWindowsDefault: 12,
  /** Rates are 0…1: a baseline's stddev counts as at least one percentage point. */
  rateStddevFloor: 0.01,
  minSampleDefault: 20,
  windowSecondsDefault: 15 * 60,
  /** p95 is above a bound exactly when more than 5 % of the observations are. */
  latencyQuantile: 0.95,
} as const;

assert(alertPolicy.resolveMarginRatio > 0 && alertPolicy.resolveMarginRatio < 1, 'the resolve level lies below the trigger level');
assert(alertPolicy.baselineWindowsMin <= alertPolicy.baselineWindowsDefault, 'the default baseline has enough windows');

export interface AlertRuleSpec {
  kind: AlertRuleKind;
  /** A rate (0…1) for rate kinds, milliseconds for latency_p95; null for a baseline rule or a circuit rule. */
  threshold: number | null;
  baselineKStddev: number | null;
  minSample: number;
}

/**
 * The rules every merchant starts with, in each mode, so that an outage is
 * never silent: each channel's failure rate over 5 minutes above its own
 * baseline by 3 standard deviations and at least 50 % (declines are part of
 * the rate, so the floor sits well above a normal day's), and any circuit
 * opened. The merchant may change or remove them like any other rule.
 */
export const defaultAlertRules = [
  ...(['card', 'alipay', 'wechat_pay', 'unionpay'] as const).map((paymentMethodType) => ({
    kind: 'failure_rate' as const,
    payment_method_type: paymentMethodType,
    window_seconds: 5 * 60,
    baseline_k_stddev: 3,
    threshold: 0.5,
    description: `Default: ${paymentMethodType} failure rate over 5 minutes, 3 standard deviations above its baseline and at least 50 %`,
  })),
  { kind: 'circuit_opened' as const, window_seconds: 5 * 60, description: 'Default: a connector account stopped answering (circuit opened)' },
];

/** One window's count of observations and how many were bad (failed, canceled). */
export interface WindowCount {
  count: number;
  bad: number;
}

export interface WindowStatistics {
  /** The current window. */
  current: WindowCount;
  /** latency_p95 only: the 95th percentile of the window's latencies, ms. */
  p95Ms?: number | null;
  /** Baseline rules only: the earlier windows, most recent first. */
  baseline?: WindowCount[];
  /** circuit_opened only: how many circuit incidents are open now. */
  openCircuits?: number;
}

export interface OpenAlertView {
  /** The level it triggered above, frozen at that time. */
  threshold: number;
}

export type AlertDecision =
  | { action: 'trigger'; value: number; threshold: number; sampleCount: number }
  | { action: 'resolve'; value: number; threshold: number; sampleCount: number }
  | { action: 'hold'; reason: HoldReason; value: number | null; threshold: number | null; sampleCount: number };

export type HoldReason = 'insufficient_sample' | 'insufficient_baseline' | 'within_threshold' | 'still_above_resolve_level';

export function decideAlert(rule: AlertRuleSpec, statistics: WindowStatistics, open: OpenAlertView | null): AlertDecision {
  if (rule.kind === 'circuit_opened') {
    const openCircuits = statistics.openCircuits ?? 0;
    return judge(openCircuits, 0, 0, open, openCircuits);
  }
  const sampleCount = statistics.current.count;
  if (sampleCount < rule.minSample) return { action: 'hold', reason: 'insufficient_sample', value: valueOf(rule, statistics), threshold: open?.threshold ?? null, sampleCount };
  const value = valueOf(rule, statistics);
  assert(value !== null, 'a window with observations has a value');
  if (open) return judge(value, open.threshold, resolveLevel(open.threshold), open, sampleCount);
  const threshold = triggerLevel(rule, statistics.baseline ?? []);
  if (threshold === null) return { action: 'hold', reason: 'insufficient_baseline', value, threshold: null, sampleCount };
  return judge(value, threshold, resolveLevel(threshold), null, sampleCount);
}

function judge(value: number, threshold: number, resolveAt: number, open: OpenAlertView | null, sampleCount: number): AlertDecision {
  if (!open) {
    return value > threshold ? { action: 'trigger', value, threshold, sampleCount } : { action: 'hold', reason: 'within_threshold', value, threshold, sampleCount };
  }
  return value <= resolveAt ? { action: 'resolve', value, threshold, sampleCount } : { action: 'hold', reason: 'still_above_resolve_level', value, threshold, sampleCount };
}

/** The level at or below which an alert that triggered above `threshold` resolves. */
export function resolveLevel(threshold: number): number {
  return threshold * (1 - alertPolicy.resolveMarginRatio);
}

function valueOf(rule: AlertRuleSpec, statistics: WindowStatistics): number | null {
  if (rule.kind === 'latency_p95') return statistics.p95Ms ?? null;
  return rateOf(statistics.current);
}

export function rateOf(window: WindowCount): number | null {
  assert(window.bad >= 0 && window.bad <= window.count, 'bad observations are among the observations');
  return window.count === 0 ? null : window.bad / window.count;
}

/** The rule's trigger level: its fixed threshold, or its baseline (null when there is not enough history). */
export function triggerLevel(rule: AlertRuleSpec, baseline: readonly WindowCount[]): number | null {
  if (rule.baselineKStddev === null) {
    assert(rule.threshold !== null, 'a rule without a baseline has a threshold');
    return rule.threshold;
  }
  const level = baselineLevel(baseline, rule.baselineKStddev, rule.minSample);
  // A fixed threshold given with a baseline is a floor: "above baseline, and at least this";
  // without enough history yet, the floor alone decides, so a new merchant's outage is not silent.
  if (level === null) return rule.threshold;
  return rule.threshold === null ? level.level : Math.max(level.level, rule.threshold);
}

export interface BaselineLevel {
  mean: number;
  stddev: number;
  windows: number;
  level: number;
}

/** mean + k·max(stddev, floor) of the rates of the usable earlier windows; null with too few of them. */
export function baselineLevel(windows: readonly WindowCount[], kStddev: number, minSample: number): BaselineLevel | null {
  assert(kStddev > 0, 'k is positive');
  const rates = windows.filter((w) => w.count >= minSample).map((w) => w.bad / w.count);
  if (rates.length < alertPolicy.baselineWindowsMin) return null;
  const mean = rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
  const variance = rates.reduce((sum, rate) => sum + (rate - mean) ** 2, 0) / rates.length;
  const stddev = Math.sqrt(variance);
  return { mean, stddev, windows: rates.length, level: mean + kStddev * Math.max(stddev, alertPolicy.rateStddevFloor) };
}

/**
 * For the onset of a condition: the observations of the window, oldest first,
 * each bad or not. The onset is the start of the longest recent stretch (from
 * a bad observation to now) whose share of bad observations is above
 * `threshold`; null when there is none.
 */
export function onsetOf(observations: readonly { atMs: number; bad: boolean }[], threshold: number): number | null {
  let bad = 0;
  let onsetMs: number | null = null;
  for (let index = observations.length - 1; index >= 0; index -= 1) {
    const observation = observations[index]!;
    if (observation.bad) bad += 1;
    const count = observations.length - index;
    if (observation.bad && bad / count > threshold) onsetMs = observation.atMs;
  }
  return onsetMs;
}

/** A rule as a merchant sets it up, after defaults; checked whole, so an update is checked like a creation. */
export interface AlertRuleSettings {
  kind: AlertRuleKind;
  paymentMethodType: string | null;
  connectorAccountId: string | null;
  windowSeconds: number;
  threshold: number | null;
  baselineKStddev: number | null;
  baselineWindows: number;
  minSample: number;
}

export const alertRuleBounds = {
  windowSecondsMin: 60,
  windowSecondsMax: 7 * 24 * 60 * 60,
  /** The window and its baseline together reach back at most this far. */
  lookbackSecondsMax: 90 * 24 * 60 * 60,
  baselineWindowsMax: 168,
  baselineKStddevMax: 10,
  minSampleMax: 1_000_000,
  latencyThresholdMsMax: 600_000,
} as const;

/** What is wrong with a rule's settings (the parameter and why), or null when they make sense together. */
export function alertRuleProblem(rule: AlertRuleSettings): { param: string; reason: string } | null {
  const b = alertRuleBounds;
  if (!Number.isInteger(rule.windowSeconds) || rule.windowSeconds < b.windowSecondsMin || rule.windowSeconds > b.windowSecondsMax) {
    return { param: 'window_seconds', reason: `a whole number of seconds from ${b.windowSecondsMin} to ${b.windowSecondsMax}` };
  }
  if (!Number.isInteger(rule.minSample) || rule.minSample < 1 || rule.minSample > b.minSampleMax) return { param: 'min_sample', reason: `from 1 to ${b.minSampleMax}` };
  if (rule.kind === 'circuit_opened') {
    if (rule.threshold !== null) return { param: 'threshold', reason: 'a circuit_opened rule has no threshold: it holds while a circuit is open' };
    if (rule.baselineKStddev !== null) return { param: 'baseline_k_stddev', reason: 'a circuit_opened rule has no baseline' };
    return null;
  }
  if (rule.kind === 'cancellation_rate' && rule.connectorAccountId !== null) {
    return { param: 'connector_account', reason: 'cancellations belong to payments, not to connector accounts; filter by payment_method_type' };
  }
  if (rule.kind === 'latency_p95') {
    if (rule.baselineKStddev !== null) return { param: 'baseline_k_stddev', reason: 'a latency_p95 rule takes a bound in threshold, not a baseline' };
    if (rule.threshold === null) return { param: 'threshold', reason: 'a latency_p95 rule needs a bound in milliseconds' };
    if (!Number.isInteger(rule.threshold) || rule.threshold < 1 || rule.threshold > b.latencyThresholdMsMax) {
      return { param: 'threshold', reason: `whole milliseconds from 1 to ${b.latencyThresholdMsMax}` };
    }
    return null;
  }
  if (rule.threshold === null && rule.baselineKStddev === null) return { param: 'threshold', reason: 'give a threshold (a rate from 0 to 1) or baseline_k_stddev' };
  if (rule.threshold !== null && !(rule.threshold >= 0 && rule.threshold < 1)) return { param: 'threshold', reason: 'a rate from 0 (inclusive) to 1 (exclusive)' };
  if (rule.baselineKStddev !== null) {
    if (!(rule.baselineKStddev > 0 && rule.baselineKStddev <= b.baselineKStddevMax)) return { param: 'baseline_k_stddev', reason: `above 0, at most ${b.baselineKStddevMax}` };
    if (!Number.isInteger(rule.baselineWindows) || rule.baselineWindows < alertPolicy.baselineWindowsMin || rule.baselineWindows > b.baselineWindowsMax) {
      return { param: 'baseline_windows', reason: `from ${alertPolicy.baselineWindowsMin} to ${b.baselineWindowsMax}` };
    }
    if (rule.windowSeconds * (rule.baselineWindows + 1) > b.lookbackSecondsMax) {
      return { param: 'baseline_windows', reason: `window_seconds × (baseline_windows + 1) reaches back at most ${b.lookbackSecondsMax} seconds` };
    }
  }
  return null;
}
