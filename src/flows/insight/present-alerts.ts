/** How alert rules, alerts and incidents look in the API, in webhooks and in CSV. */
import type { AlertRow, AlertRuleRow } from '../../store/schema.ts';
import type { IncidentWithConnector } from '../../store/alerts.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const between = (from: Date | null, to: Date | null) => (from && to ? to.getTime() - from.getTime() : null);

export function presentAlertRule(rule: AlertRuleRow) {
  return {
    id: rule.id,
    object: 'alert_rule' as const,
    livemode: rule.mode === 'live',
    kind: rule.kind,
    payment_method_type: rule.payment_method_type,
    connector_account: rule.connector_account_id,
    window_seconds: rule.window_seconds,
    threshold: rule.threshold,
    baseline_k_stddev: rule.baseline_k_stddev,
    baseline_windows: rule.baseline_windows,
    min_sample: rule.min_sample,
    enabled: rule.enabled,
    description: rule.description,
    created_at: rule.created_at.toISOString(),
    updated_at: rule.updated_at.toISOString(),
  };
}

export function presentAlert(alert: AlertRow) {
  return {
    id: alert.id,
    object: 'alert' as const,
    livemode: alert.mode === 'live',
    rule: alert.rule_id,
    kind: alert.kind,
    state: alert.state,
    payment_method_type: alert.payment_method_type,
    connector_account: alert.connector_account_id,
    value: roundValue(alert.value),
    threshold: roundValue(alert.threshold),
    sample_count: alert.sample_count,
    condition_started_at: alert.onset_at.toISOString(),
    triggered_at: alert.triggered_at.toISOString(),
    acknowledged_at: iso(alert.acknowledged_at),
    resolved_at: iso(alert.resolved_at),
    resolved_value: alert.resolved_value === null ? null : roundValue(alert.resolved_value),
    resolution: alert.resolution,
    time_to_detect_ms: alert.triggered_at.getTime() - alert.onset_at.getTime(),
    time_to_acknowledge_ms: between(alert.triggered_at, alert.acknowledged_at),
    time_to_resolve_ms: between(alert.triggered_at, alert.resolved_at),
    created_at: alert.created_at.toISOString(),
  };
}

/** Rates to 4 decimals (as every analytics rate), milliseconds to whole numbers, counts as they are. */
function roundValue(value: number): number {
  return Math.abs(value) >= 10 ? Math.round(value) : Math.round(value * 10_000) / 10_000;
}

export function presentIncident(incident: IncidentWithConnector) {
  return {
    id: incident.id,
    object: 'connector_incident' as const,
    livemode: incident.mode === 'live',
    kind: incident.kind,
    connector_account: incident.connector_account_id,
    connector: incident.connector,
    payment_method_type: incident.payment_method_type,
    alert: incident.alert_id,
    started_at: incident.started_at.toISOString(),
    ended_at: iso(incident.ended_at),
    duration_ms: between(incident.started_at, incident.ended_at),
  };
}

export const incidentCsvColumns = ['id', 'kind', 'connector_account', 'connector', 'payment_method_type', 'alert', 'started_at', 'ended_at', 'duration_ms'] as const;

export const alertCsvColumns = [
  'id',
  'rule',
  'kind',
  'state',
  'payment_method_type',
  'connector_account',
  'value',
  'threshold',
  'sample_count',
  'condition_started_at',
  'triggered_at',
  'acknowledged_at',
  'resolved_at',
  'resolved_value',
  'resolution',
  'time_to_detect_ms',
  'time_to_acknowledge_ms',
  'time_to_resolve_ms',
] as const;
