import { describe, expect, it } from 'vitest';
import { alertPolicy, alertRuleProblem, baselineLevel, decideAlert, onsetOf, type AlertRuleSettings, type AlertRuleSpec } from './alert-rules.ts';

const failureRate: AlertRuleSpec = { kind: 'failure_rate', threshold: 0.5, baselineKStddev: null, minSample: 10 };
const window = (count: number, bad: number) => ({ count, bad });

describe('deciding a rate rule', () => {
  it('does not page anyone for one failure out of one attempt: below the minimum sample nothing is decided', () => {
    const decision = decideAlert({ ...failureRate, minSample: 20 }, { current: window(1, 1) }, null);
    expect(decision).toMatchObject({ action: 'hold', reason: 'insufficient_sample', value: 1 });
  });

  it('triggers above the threshold and not at it', () => {
    expect(decideAlert(failureRate, { current: window(10, 6) }, null)).toEqual({ action: 'trigger', value: 0.6, threshold: 0.5, sampleCount: 10 });
    expect(decideAlert(failureRate, { current: window(10, 5) }, null)).toMatchObject({ action: 'hold', reason: 'within_threshold' });
  });

  it('does not flap: an open alert stays open just below the threshold and resolves only at or below 90 % of it', () => {
    const open = { threshold: 0.5 };
    expect(decideAlert(failureRate, { current: window(100, 49) }, open)).toMatchObject({ action: 'hold', reason: 'still_above_resolve_level' });
    expect(decideAlert(failureRate, { current: window(100, 45) }, open)).toMatchObject({ action: 'resolve', value: 0.45 });
  });

  it('keeps an open alert open when the window has too few observations to show recovery', () => {
    expect(decideAlert(failureRate, { current: window(2, 0) }, { threshold: 0.5 })).toMatchObject({ action: 'hold', reason: 'insufficient_sample' });
  });

  it('judges an open alert against the level frozen when it triggered, not the rule as it is now', () => {
    expect(decideAlert({ ...failureRate, threshold: 0.9 }, { current: window(100, 80) }, { threshold: 0.5 })).toMatchObject({ action: 'hold' });
  });
});

describe('a baseline rule (mean + k standard deviations of the earlier windows)', () => {
  const rule: AlertRuleSpec = { kind: 'failure_rate', threshold: null, baselineKStddev: 3, minSample: 10 };
  const history = [window(100, 10), window(100, 12), window(100, 8), window(100, 10)];

  it('computes the level from the usable earlier windows, leaving out those below the minimum sample', () => {
    const level = baselineLevel([...history, window(3, 3)], 3, 10);
    expect(level?.windows).toBe(4);
    expect(level?.mean).toBeCloseTo(0.1, 10);
    expect(level?.stddev).toBeCloseTo(Math.sqrt(0.0002), 10);
    expect(level?.level).toBeCloseTo(0.1 + 3 * Math.sqrt(0.0002), 10);
  });

  it('triggers above its own baseline even though the rate is low in absolute terms', () => {
    const decision = decideAlert(rule, { current: window(100, 20), baseline: history }, null);
    expect(decision.action).toBe('trigger');
    expect(decision.threshold).toBeCloseTo(0.1 + 3 * Math.sqrt(0.0002), 10);
    expect(decideAlert(rule, { current: window(100, 13), baseline: history }, null).action).toBe('hold');
  });

  it('decides nothing without enough history', () => {
    expect(decideAlert(rule, { current: window(100, 90), baseline: history.slice(0, alertPolicy.baselineWindowsMin - 1) }, null)).toMatchObject({
      action: 'hold',
      reason: 'insufficient_baseline',
    });
  });

  it('floors the stddev so a perfectly steady history does not turn the next small blip into an alert', () => {
    const steady = [window(100, 5), window(100, 5), window(100, 5)];
    expect(baselineLevel(steady, 2, 10)?.level).toBeCloseTo(0.05 + 2 * alertPolicy.rateStddevFloor, 10);
    expect(decideAlert({ ...rule, baselineKStddev: 2 }, { current: window(100, 6), baseline: steady }, null).action).toBe('hold');
  });

  it('uses a fixed threshold given with the baseline as a floor', () => {
    expect(decideAlert({ ...rule, threshold: 0.3 }, { current: window(100, 20), baseline: history }, null)).toMatchObject({ action: 'hold', threshold: 0.3 });
  });
});

describe('latency and circuit rules', () => {
  it('triggers a latency rule on the p95 above the bound, with enough observations', () => {
    const rule: AlertRuleSpec = { kind: 'latency_p95', threshold: 200, baselineKStddev: null, minSample: 5 };
    expect(decideAlert(rule, { current: window(5, 0), p95Ms: 250 }, null)).toMatchObject({ action: 'trigger', value: 250, threshold: 200 });
    expect(decideAlert(rule, { current: window(4, 0), p95Ms: 900 }, null).action).toBe('hold');
    expect(decideAlert(rule, { current: window(5, 0), p95Ms: 181 }, { threshold: 200 }).action).toBe('hold');
    expect(decideAlert(rule, { current: window(5, 0), p95Ms: 180 }, { threshold: 200 }).action).toBe('resolve');
  });

  it('holds a circuit rule while a circuit is open, whatever the sample', () => {
    const rule: AlertRuleSpec = { kind: 'circuit_opened', threshold: null, baselineKStddev: null, minSample: 20 };
    expect(decideAlert(rule, { current: window(1, 1), openCircuits: 1 }, null).action).toBe('trigger');
    expect(decideAlert(rule, { current: window(1, 1), openCircuits: 1 }, { threshold: 0 }).action).toBe('hold');
    expect(decideAlert(rule, { current: window(0, 0), openCircuits: 0 }, { threshold: 0 }).action).toBe('resolve');
  });
});

describe('the onset of a condition', () => {
  it('is the start of the longest recent stretch above the threshold, ignoring an old isolated failure', () => {
    const observations = [
      { atMs: 1, bad: true },
      { atMs: 2, bad: false },
      { atMs: 3, bad: false },
      { atMs: 4, bad: false },
      { atMs: 5, bad: true },
      { atMs: 6, bad: true },
      { atMs: 7, bad: false },
      { atMs: 8, bad: true },
    ];
    expect(onsetOf(observations, 0.5)).toBe(5);
    expect(onsetOf(observations, 0.9)).toBe(8);
    expect(onsetOf([{ atMs: 1, bad: false }], 0.5)).toBeNull();
  });
});

describe('checking a rule', () => {
  const base: AlertRuleSettings = {
    kind: 'failure_rate',
    paymentMethodType: 'card',
    connectorAccountId: null,
    windowSeconds: 300,
    threshold: 0.2,
    baselineKStddev: null,
    baselineWindows: 12,
    minSample: 20,
  };
  it('accepts sensible settings and names the parameter that is wrong otherwise', () => {
    expect(alertRuleProblem(base)).toBeNull();
    expect(alertRuleProblem({ ...base, threshold: null })?.param).toBe('threshold');
    expect(alertRuleProblem({ ...base, threshold: 1.5 })?.param).toBe('threshold');
    expect(alertRuleProblem({ ...base, windowSeconds: 10 })?.param).toBe('window_seconds');
    expect(alertRuleProblem({ ...base, kind: 'latency_p95', threshold: 0.2 })?.param).toBe('threshold');
    expect(alertRuleProblem({ ...base, kind: 'latency_p95', threshold: 300, baselineKStddev: 2 })?.param).toBe('baseline_k_stddev');
    expect(alertRuleProblem({ ...base, kind: 'circuit_opened' })?.param).toBe('threshold');
    expect(alertRuleProblem({ ...base, kind: 'cancellation_rate', connectorAccountId: 'ca_x' })?.param).toBe('connector_account');
    expect(alertRuleProblem({ ...base, threshold: null, baselineKStddev: 3, windowSeconds: 7 * 24 * 3600, baselineWindows: 168 })?.param).toBe('baseline_windows');
  });
});
