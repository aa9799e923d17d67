/**
 * The worker's evaluation of every enabled alert rule, every minute: measure
 * the rule's window, decide with the domain (domain/insight/alert-rules.ts), and
 * raise or resolve its alert. Each change happens once however many workers
 * evaluate at the same moment: raising inserts under the "one open alert per
 * rule" index and resolving is a conditional update, each with its event in
 * the same statement, and the merchant's email is queued in the same
 * transaction only by the evaluation whose change took effect.
 */
import { alertPolicy, decideAlert, onsetOf, type AlertDecision, type AlertRuleSpec, type WindowStatistics } from '../../domain/insight/alert-rules.ts';
import { limits } from '../../domain/limits.ts';
import { routingPolicyDefault } from '../../domain/payments/routing.ts';
import {
  countAttemptFailures,
  countCancellations,
  endRecoveredCircuitIncidents,
  findAlertRecipient,
  findOpenAlert,
  listEnabledRules,
  listObservations,
  measureAttemptLatency,
  mostFailingAccount,
  openCircuitIncidents,
  raiseAlert,
  resolveAlert,
  type ObservationKind,
  type RuleScope,
} from '../../store/alerts.ts';
import type { Db } from '../../store/database.ts';
import { queueMessages } from '../../store/messages.ts';
import type { AlertRow, AlertRuleRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { presentAlert } from './present-alerts.ts';

/** Observations read to find when a condition began: the newest this many of the window. */
const onsetObservationsMax = 10_000;

export interface EvaluationSummary {
  evaluated: number;
  triggered: number;
  resolved: number;
  failed: number;
}

export type RuleOutcome = 'triggered' | 'resolved' | 'unchanged';

export async function evaluateAlerts(context: FlowContext): Promise<EvaluationSummary> {
  const summary: EvaluationSummary = { evaluated: 0, triggered: 0, resolved: 0, failed: 0 };
  // Before the circuit rules are judged: an incident whose account has recovered ends, even if its process is gone.
  await endRecoveredCircuitIncidents(context.db, routingPolicyDefault.cooldownMs, now(context), limits.sweepBatchSize);
  let afterId: string | null = null;
  while (summary.evaluated + summary.failed < limits.alertRulesPerEvaluationMax) {
    const rules = await listEnabledRules(context.db, afterId, limits.alertRulesBatchSize);
    for (const rule of rules) {
      try {
        const outcome = await evaluateRule(context, rule);
        summary.evaluated += 1;
        if (outcome === 'triggered') summary.triggered += 1;
        if (outcome === 'resolved') summary.resolved += 1;
      } catch {
        // One rule that cannot be measured (a dropped connection, say) must not keep the others from being judged.
        summary.failed += 1;
      }
    }
    if (rules.length < limits.alertRulesBatchSize) break;
    afterId = rules[rules.length - 1]!.id;
  }
  return summary;
}

export async function evaluateRule(context: FlowContext, rule: AlertRuleRow): Promise<RuleOutcome> {
  const at = now(context);
  const open = await findOpenAlert(context.db, { merchantId: rule.merchant_id, id: rule.id });
  const measured = await measure(context.db, rule, at);
  const decision = decideAlert(specOf(rule), measured.statistics, open ? { threshold: open.threshold } : null);
  if (decision.action === 'trigger') return (await raise(context, rule, decision, measured, at)) ? 'triggered' : 'unchanged';
  if (decision.action === 'resolve' && open) return (await resolve(context, open, { value: decision.value, resolution: 'recovered', email: true })) ? 'resolved' : 'unchanged';
  return 'unchanged';
}

export function specOf(rule: AlertRuleRow): AlertRuleSpec {
  return { kind: rule.kind, threshold: rule.threshold, baselineKStddev: rule.baseline_k_stddev, minSample: rule.min_sample };
}

function scopeOf(rule: AlertRuleRow): RuleScope {
  return { merchantId: rule.merchant_id, mode: rule.mode, paymentMethodType: rule.payment_method_type, connectorAccountId: rule.connector_account_id };
}

interface Measured {
  statistics: WindowStatistics;
  windowStart: Date;
  /** circuit_opened: when the earliest open circuit opened. */
  earliestOpenAt: Date | null;
}

async function measure(db: Db, rule: AlertRuleRow, at: Date): Promise<Measured> {
  const windowMs = rule.window_seconds * 1000;
  const windowStart = new Date(at.getTime() - windowMs);
  const scope = scopeOf(rule);
  const buckets = 1 + (rule.baseline_k_stddev === null ? 0 : rule.baseline_windows);
  switch (rule.kind) {
    case 'failure_rate':
    case 'cancellation_rate': {
      const counts = rule.kind === 'failure_rate' ? await countAttemptFailures(db, scope, at, windowMs, buckets) : await countCancellations(db, scope, at, windowMs, buckets);
      const [current, ...baseline] = counts;
      return { statistics: { current: current ?? { count: 0, bad: 0 }, baseline }, windowStart, earliestOpenAt: null };
    }
    case 'latency_p95': {
      const latency = await measureAttemptLatency(db, scope, windowStart, at);
      return { statistics: { current: { count: latency.count, bad: 0 }, p95Ms: latency.p95Ms }, windowStart, earliestOpenAt: null };
    }
    case 'circuit_opened': {
      const circuits = await openCircuitIncidents(db, scope);
      return { statistics: { current: { count: circuits.count, bad: circuits.count }, openCircuits: circuits.count }, windowStart, earliestOpenAt: circuits.earliest };
    }
  }
}

/** When the condition began: the start of the longest recent stretch above the threshold; never after now. */
async function onsetAt(db: Db, rule: AlertRuleRow, decision: AlertDecision & { threshold: number }, measured: Measured, at: Date): Promise<Date> {
  if (rule.kind === 'circuit_opened') return measured.earliestOpenAt && measured.earliestOpenAt <= at ? measured.earliestOpenAt : at;
  const kind: ObservationKind = rule.kind === 'failure_rate' ? 'failed' : rule.kind === 'cancellation_rate' ? 'canceled' : { slowerThanMs: decision.threshold };
  // p95 above a bound means more than 5 % of the observations are slower than it.
  const share = rule.kind === 'latency_p95' ? 1 - alertPolicy.latencyQuantile : decision.threshold;
  const observations = await listObservations(db, scopeOf(rule), measured.windowStart, at, kind, onsetObservationsMax);
  const onsetMs = onsetOf(observations, share);
  return onsetMs === null || onsetMs > at.getTime() ? at : new Date(onsetMs);
}

async function raise(context: FlowContext, rule: AlertRuleRow, decision: AlertDecision & { action: 'trigger' }, measured: Measured, at: Date): Promise<AlertRow | null> {
  const onset = await onsetAt(context.db, rule, decision, measured, at);
  // A failure-rate alert is a connector incident too, charged to the rule's account or the one failing most.
  const incidentAccount =
    rule.kind === 'failure_rate' ? (rule.connector_account_id ?? (await mostFailingAccount(context.db, scopeOf(rule), measured.windowStart, at))) : null;
  const draft: AlertRow = {
    id: context.ids.newId('alt'),
    rule_id: rule.id,
    merchant_id: rule.merchant_id,
    mode: rule.mode,
    kind: rule.kind,
    payment_method_type: rule.payment_method_type,
    connector_account_id: rule.connector_account_id ?? incidentAccount,
    state: 'triggered',
    value: decision.value,
    threshold: decision.threshold,
    sample_count: decision.sampleCount,
    onset_at: onset,
    triggered_at: at,
    acknowledged_at: null,
    resolved_at: null,
    resolved_value: null,
    resolution: null,
    created_at: at,
    updated_at: at,
  };
  return context.db.transaction().execute(async (tx) => {
    const raised = await raiseAlert(
      tx,
      draft,
      { id: context.ids.newId('evt'), data: { object: presentAlert(draft) } },
      rule.kind === 'failure_rate' ? { id: context.ids.newId('inc'), connectorAccountId: incidentAccount } : null,
    );
    if (raised) await emailMerchant(context, tx, raised, 'triggered', rule);
    return raised;
  });
}

/** Resolves an open alert once, with its event, its incident's end and (when asked) the merchant's email. */
export async function resolve(
  context: FlowContext,
  open: AlertRow,
  options: { value: number | null; resolution: 'recovered' | 'rule_disabled' | 'rule_deleted'; email: boolean },
): Promise<AlertRow | null> {
  const at = now(context);
  const resolvedAt = at < open.triggered_at ? open.triggered_at : at;
  const draft: AlertRow = { ...open, state: 'resolved', resolved_at: resolvedAt, resolved_value: options.value, resolution: options.resolution, updated_at: at };
  return context.db.transaction().execute(async (tx) => {
    const resolved = await resolveAlert(
      tx,
      { merchantId: open.merchant_id, alertId: open.id, at, value: options.value, resolution: options.resolution },
      { id: context.ids.newId('evt'), data: { object: presentAlert(draft) } },
    );
    if (resolved && options.email) await emailMerchant(context, tx, resolved, 'resolved', null);
    return resolved;
  });
}

const kindWords: Record<AlertRow['kind'], string> = {
  failure_rate: 'failure rate',
  cancellation_rate: 'cancellation rate',
  latency_p95: 'p95 latency',
  circuit_opened: 'open circuits',
};

function describe(alert: AlertRow, value: number | null): string {
  const show = (v: number) => (alert.kind === 'latency_p95' ? `${Math.round(v)} ms` : alert.kind === 'circuit_opened' ? String(v) : `${(v * 100).toFixed(1)} %`);
  const where = [alert.payment_method_type ?? 'all channels', alert.connector_account_id].filter(Boolean).join(', ');
  return `${kindWords[alert.kind]} (${where}) ${value === null ? 'unmeasured' : show(value)}, threshold ${show(alert.threshold)}`;
}

/** The merchant's operations address (else support address) hears of each alert and its end, once per alert. */
async function emailMerchant(context: FlowContext, db: Db, alert: AlertRow, change: 'triggered' | 'resolved', rule: AlertRuleRow | null): Promise<void> {
  const merchant = await findAlertRecipient(db, alert.merchant_id);
  const recipient = merchant?.operations_email ?? merchant?.support_email;
  if (!recipient) return;
  const summary = describe(alert, change === 'triggered' ? alert.value : alert.resolved_value);
  const text =
    change === 'triggered'
      ? [
          `Alert ${alert.id} (rule ${alert.rule_id}${rule?.description ? `: ${rule.description}` : ''}) triggered at ${alert.triggered_at.toISOString()}:`,
          summary,
          `The condition began at ${alert.onset_at.toISOString()}. Acknowledge it with POST /v1/alerts/${alert.id}/acknowledge; it resolves by itself when the figure returns.`,
          '',
          `Paypilot 告警 ${alert.id} 已触发：${summary}。指标恢复后将自动解除。`,
        ]
      : [
          `Alert ${alert.id} (rule ${alert.rule_id}) resolved at ${alert.resolved_at?.toISOString()}: ${summary}.`,
          '',
          `Paypilot 告警 ${alert.id} 已解除。`,
        ];
  await queueMessages(
    db,
    [
      {
        id: context.ids.newId('msg'),
        merchantId: alert.merchant_id,
        mode: alert.mode,
        channel: 'email',
        purpose: `alert_${change}`,
        dedupeKey: `alert_${change}:${alert.id}`,
        recipient,
        locale: 'en',
        customerId: null,
        paymentId: null,
        eventId: null,
        subject: `${change === 'triggered' ? 'Alert' : 'Resolved'}: ${summary}`,
        bodyText: text.join('\n'),
        bodyHtml: null,
      },
    ],
    now(context),
    context.keys.messages,
  );
}
