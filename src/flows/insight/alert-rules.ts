/**
 * The merchant's alert rules (created, listed, changed, deleted), its alerts
 * (listed, acknowledged), its operations address, and the incidents report.
 * Turning a rule off or deleting it resolves its open alert at once (with
 * its `alert.resolved` event): an alert nobody evaluates any more must not
 * stay open forever.
 */
import { alertPolicy, alertRuleProblem, type AlertRuleKind, type AlertRuleSettings } from '../../domain/insight/alert-rules.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import {
  acknowledgeAlert,
  countRules,
  deleteRule,
  findAlert,
  findAlertRecipient,
  findOpenAlert,
  findRule,
  insertRule,
  listAlerts,
  listIncidents,
  listRules,
  setOperationsEmail,
  updateRule,
  type RuleChange,
} from '../../store/alerts.ts';
import type { Scope } from '../../store/payments.ts';
import type { AlertRuleRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { onReadDatabase } from '../read-database.ts';
import { resolve } from './evaluate-alerts.ts';
import { presentAlert, presentAlertRule, presentIncident } from './present-alerts.ts';

export interface AlertRuleInput {
  kind: AlertRuleKind;
  payment_method_type?: string;
  connector_account?: string;
  window_seconds?: number;
  threshold?: number | null;
  baseline_k_stddev?: number | null;
  baseline_windows?: number;
  min_sample?: number;
  enabled?: boolean;
  description?: string | null;
}

export type AlertRuleUpdate = Omit<AlertRuleInput, 'kind' | 'payment_method_type' | 'connector_account'>;

function check(settings: AlertRuleSettings): void {
  const problem = alertRuleProblem(settings);
  if (problem) throw new PaymentError('parameter_invalid', { param: problem.param, details: { reason: problem.reason } });
}

function settingsOf(rule: Pick<AlertRuleRow, 'kind' | 'payment_method_type' | 'connector_account_id' | 'window_seconds' | 'threshold' | 'baseline_k_stddev' | 'baseline_windows' | 'min_sample'>): AlertRuleSettings {
  return {
    kind: rule.kind,
    paymentMethodType: rule.payment_method_type,
    connectorAccountId: rule.connector_account_id,
    windowSeconds: rule.window_seconds,
    threshold: rule.threshold,
    baselineKStddev: rule.baseline_k_stddev,
    baselineWindows: rule.baseline_windows,
    minSample: rule.min_sample,
  };
}

export async function createAlertRule(context: FlowContext, scope: Scope, input: AlertRuleInput) {
  if (input.connector_account) {
    const account = await context.db
      .selectFrom('connector_accounts')
      .select(['id', 'connector'])
      .where('id', '=', input.connector_account)
      .where('merchant_id', '=', scope.merchantId)
      .where('mode', '=', scope.mode)
      .executeTakeFirst();
    if (!account) throw new PaymentError('resource_missing', { param: 'connector_account', details: { resource: 'connector account', id: input.connector_account } });
    if (input.payment_method_type && input.payment_method_type !== account.connector) {
      throw new PaymentError('parameter_invalid', { param: 'payment_method_type', details: { reason: `the connector account serves ${account.connector}` } });
    }
  }
  const at = now(context);
  const rule = {
    id: context.ids.newId('alr'),
    merchant_id: scope.merchantId,
    mode: scope.mode,
    kind: input.kind,
    payment_method_type: input.payment_method_type ?? null,
    connector_account_id: input.connector_account ?? null,
    window_seconds: input.window_seconds ?? alertPolicy.windowSecondsDefault,
    threshold: input.threshold ?? null,
    baseline_k_stddev: input.baseline_k_stddev ?? null,
    baseline_windows: input.baseline_windows ?? alertPolicy.baselineWindowsDefault,
    min_sample: input.min_sample ?? alertPolicy.minSampleDefault,
    enabled: input.enabled ?? true,
    description: input.description ?? null,
    created_at: at,
    updated_at: at,
  };
  check(settingsOf(rule));
  if ((await countRules(context.db, scope)) >= limits.alertRulesPerMerchantMax) {
    throw new PaymentError('parameter_invalid', { param: 'kind', details: { reason: `at most ${limits.alertRulesPerMerchantMax} alert rules per merchant and mode` } });
  }
  return presentAlertRule(await insertRule(context.db, rule));
}

async function getRule(context: FlowContext, scope: Scope, id: string): Promise<AlertRuleRow> {
  const rule = await findRule(context.db, scope, id);
  if (!rule) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'alert rule', id } });
  return rule;
}

export async function retrieveAlertRule(context: FlowContext, scope: Scope, id: string) {
  return presentAlertRule(await getRule(context, scope, id));
}

export async function alertRuleList(context: FlowContext, scope: Scope, page: { limit?: number; starting_after?: string }) {
  const { data, hasMore } = await listRules(context.db, scope, { limit: page.limit ?? limits.pageSizeDefault, startingAfter: page.starting_after });
  return { object: 'list' as const, data: data.map(presentAlertRule), has_more: hasMore };
}

export async function changeAlertRule(context: FlowContext, scope: Scope, id: string, input: AlertRuleUpdate) {
  const rule = await getRule(context, scope, id);
  const change: RuleChange = {
    ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    ...(input.window_seconds !== undefined ? { window_seconds: input.window_seconds } : {}),
    ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
    ...(input.baseline_k_stddev !== undefined ? { baseline_k_stddev: input.baseline_k_stddev } : {}),
    ...(input.baseline_windows !== undefined ? { baseline_windows: input.baseline_windows } : {}),
    ...(input.min_sample !== undefined ? { min_sample: input.min_sample } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
  };
  check(settingsOf({ ...rule, ...change }));
  const updated = await updateRule(context.db, scope, id, change, now(context));
  if (!updated) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'alert rule', id } });
  if (!updated.enabled) await resolveOpenAlert(context, scope, updated.id, 'rule_disabled');
  return presentAlertRule(updated);
}

export async function removeAlertRule(context: FlowContext, scope: Scope, id: string) {
  const deleted = await deleteRule(context.db, scope, id, now(context));
  if (!deleted) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'alert rule', id } });
  await resolveOpenAlert(context, scope, deleted.id, 'rule_deleted');
  return { id: deleted.id, object: 'alert_rule' as const, deleted: true as const };
}

async function resolveOpenAlert(context: FlowContext, scope: Scope, ruleId: string, resolution: 'rule_disabled' | 'rule_deleted'): Promise<void> {
  const open = await findOpenAlert(context.db, { merchantId: scope.merchantId, id: ruleId });
  // The merchant did this themselves: the event tells their systems, no email tells them what they just did.
  if (open) await resolve(context, open, { value: null, resolution, email: false });
}

export async function alertList(context: FlowContext, scope: Scope, query: { state?: 'triggered' | 'resolved'; rule?: string; limit?: number; starting_after?: string }) {
  const { data, hasMore } = await listAlerts(context.db, scope, { state: query.state, rule: query.rule, limit: query.limit ?? limits.pageSizeDefault, startingAfter: query.starting_after });
  return { object: 'list' as const, data: data.map(presentAlert), has_more: hasMore };
}

export async function retrieveAlert(context: FlowContext, scope: Scope, id: string) {
  const alert = await findAlert(context.db, scope, id);
  if (!alert) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'alert', id } });
  return presentAlert(alert);
}

export async function acknowledge(context: FlowContext, scope: Scope, id: string) {
  const alert = await acknowledgeAlert(context.db, scope, id, now(context));
  if (!alert) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'alert', id } });
  return presentAlert(alert);
}

export async function alertSettings(context: FlowContext, scope: Scope) {
  const merchant = await findAlertRecipient(context.db, scope.merchantId);
  return presentSettings(merchant?.operations_email ?? null, merchant?.support_email ?? null);
}

export async function changeAlertSettings(context: FlowContext, scope: Scope, input: { operations_email: string | null }) {
  const changed = await setOperationsEmail(context.db, scope.merchantId, input.operations_email);
  return presentSettings(changed?.operations_email ?? null, changed?.support_email ?? null);
}

function presentSettings(operationsEmail: string | null, supportEmail: string | null) {
  return { object: 'alert_settings' as const, operations_email: operationsEmail, support_email: supportEmail, alerts_emailed_to: operationsEmail ?? supportEmail };
}

export async function incidentReport(context: FlowContext, scope: Scope, range: { from: string; to: string }) {
  const from = parseInstant(range.from, 'from');
  const to = parseInstant(range.to, 'to');
  if (from >= to) throw new PaymentError('parameter_invalid', { param: 'to', details: { reason: 'to must be after from' } });
  const report = await onReadDatabase(context, (db) => listIncidents(db, scope, { from, to, limit: limits.incidentsPerAnswerMax }));
  return {
    object: 'analytics_incidents' as const,
    from: from.toISOString(),
    to: to.toISOString(),
    incidents: report.count,
    incidents_ended: report.ended,
    mean_time_to_recover_ms: report.meanTimeToRecoverMs,
    data: report.data.map(presentIncident),
    has_more: report.hasMore,
  };
}

function parseInstant(value: string, param: string): Date {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new PaymentError('parameter_invalid', { param, details: { reason: 'an ISO 8601 date-time' } });
  return new Date(ms);
}
