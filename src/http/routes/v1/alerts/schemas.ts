/** Schemas several alert routes share: the rule, the alert, the settings, and the fields a rule is created or changed with. */
import { Type } from 'typebox';
import { alertPolicy, alertRuleBounds, alertRuleKinds } from '../../../../domain/insight/alert-rules.ts';
import { Nullable, stringEnum } from '../../../schemas.ts';

export const tags = ['Alerts'];

const Timestamp = Type.String({ format: 'date-time' });

export const AlertRule = Type.Object({
  id: Type.String(),
  object: Type.Literal('alert_rule'),
  livemode: Type.Boolean(),
  kind: stringEnum(alertRuleKinds),
  payment_method_type: Nullable(Type.String()),
  connector_account: Nullable(Type.String()),
  window_seconds: Type.Integer(),
  threshold: Nullable(Type.Number()),
  baseline_k_stddev: Nullable(Type.Number()),
  baseline_windows: Type.Integer(),
  min_sample: Type.Integer(),
  enabled: Type.Boolean(),
  description: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const Alert = Type.Object({
  id: Type.String(),
  object: Type.Literal('alert'),
  livemode: Type.Boolean(),
  rule: Type.String(),
  kind: stringEnum(alertRuleKinds),
  state: stringEnum(['triggered', 'resolved'] as const),
  payment_method_type: Nullable(Type.String()),
  connector_account: Nullable(Type.String()),
  value: Type.Number({ description: 'What was measured when it triggered: a rate (0–1), milliseconds (latency_p95) or open circuits.' }),
  threshold: Type.Number({ description: 'The level it rose above: the fixed threshold, or the baseline (mean + k·stddev) at that time.' }),
  sample_count: Type.Integer({ description: 'Observations in the window when it triggered.' }),
  condition_started_at: Timestamp,
  triggered_at: Timestamp,
  acknowledged_at: Nullable(Timestamp),
  resolved_at: Nullable(Timestamp),
  resolved_value: Nullable(Type.Number()),
  resolution: Nullable(stringEnum(['recovered', 'rule_disabled', 'rule_deleted'] as const)),
  time_to_detect_ms: Type.Integer({ description: 'triggered_at − condition_started_at.' }),
  time_to_acknowledge_ms: Nullable(Type.Integer({ description: 'acknowledged_at − triggered_at.' })),
  time_to_resolve_ms: Nullable(Type.Integer({ description: 'resolved_at − triggered_at.' })),
  created_at: Timestamp,
});

export const AlertSettings = Type.Object({
  object: Type.Literal('alert_settings'),
  operations_email: Nullable(Type.String()),
  support_email: Nullable(Type.String()),
  alerts_emailed_to: Nullable(Type.String({ description: 'operations_email, else support_email; null: alerts are not emailed.' })),
});

const b = alertRuleBounds;
const Threshold = Type.Number({
  minimum: 0,
  maximum: b.latencyThresholdMsMax,
  description: 'failure_rate and cancellation_rate: a rate from 0 to 1 (with baseline_k_stddev, a floor). latency_p95: the bound in milliseconds. circuit_opened: none.',
});

/** What a rule is created with and what an update may change. */
export const EditableFields = {
  window_seconds: Type.Optional(Type.Integer({ minimum: b.windowSecondsMin, maximum: b.windowSecondsMax, description: `The window the figure is measured over (default ${alertPolicy.windowSecondsDefault}).` })),
  threshold: Type.Optional(Nullable(Threshold)),
  baseline_k_stddev: Type.Optional(
    Nullable(Type.Number({ exclusiveMinimum: 0, maximum: b.baselineKStddevMax, description: 'Trigger above the mean + k standard deviations of the same rate over the baseline_windows windows before.' })),
  ),
  baseline_windows: Type.Optional(Type.Integer({ minimum: alertPolicy.baselineWindowsMin, maximum: b.baselineWindowsMax, description: `Default ${alertPolicy.baselineWindowsDefault}.` })),
  min_sample: Type.Optional(Type.Integer({ minimum: 1, maximum: b.minSampleMax, description: `Fewer observations in the window than this decide nothing (default ${alertPolicy.minSampleDefault}).` })),
  enabled: Type.Optional(Type.Boolean({ description: 'false: not evaluated; an open alert of the rule resolves (resolution rule_disabled).' })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
};
