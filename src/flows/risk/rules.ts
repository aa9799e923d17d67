/**
 * A merchant's risk rules: each expression is parsed and type-checked when
 * saved (an error names its position), kept in order, and can be back-tested
 * over the stored decisions of the last 30 days before it is switched on.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import type { RiskAction } from '../../domain/risk/decide.ts';
import { compileRule, evaluateRule, RuleExpressionError } from '../../domain/risk/expression.ts';
import { signalTypes, type Signals } from '../../domain/risk/signals.ts';
import type { Scope } from '../../store/scope.ts';
import { recentDecisionsForBacktest } from '../../store/risk-decisions.ts';
import { deleteRiskRule, findRiskRule, insertRiskRule, listRiskRules, orderRiskRules, updateRiskRule, type RiskRuleRow } from '../../store/risk-rules.ts';
import { now, type FlowContext } from '../context.ts';
import { compileStoredRules } from './compiled-rules.ts';

export interface RiskRuleInput {
  name: string;
  expression: string;
  action: RiskAction;
  enabled?: boolean;
}

export function presentRiskRule(rule: RiskRuleRow) {
  return {
    id: rule.id,
    object: 'risk_rule' as const,
    livemode: rule.mode === 'live',
    name: rule.name,
    expression: rule.expression,
    action: rule.action,
    position: rule.position,
    enabled: rule.enabled,
    created_at: rule.created_at.toISOString(),
    updated_at: rule.updated_at.toISOString(),
  };
}
export type RiskRuleView = ReturnType<typeof presentRiskRule>;

/** Parses and type-checks, or answers `risk_rule_invalid` with the reason and the position. */
export function checkExpression(expression: string): void {
  try {
    compileRule(expression);
  } catch (error) {
    if (!(error instanceof RuleExpressionError)) throw error;
    throw new PaymentError('risk_rule_invalid', { param: 'expression', details: { reason: error.reason, position: error.position } });
  }
}

export async function createRiskRule(context: FlowContext, scope: Scope, input: RiskRuleInput): Promise<RiskRuleView> {
  checkExpression(input.expression);
  const rule = await insertRiskRule(
    context.db,
    { id: context.ids.newId('rsk'), merchant_id: scope.merchantId, mode: scope.mode, name: input.name, expression: input.expression, action: input.action, enabled: input.enabled ?? true, at: now(context) },
    limits.riskRulesPerMerchantMax,
  );
  if (!rule) throw new PaymentError('parameter_invalid', { param: 'expression', details: { reason: `at most ${limits.riskRulesPerMerchantMax} rules` } });
  return presentRiskRule(rule);
}

export async function listRules(context: FlowContext, scope: Scope): Promise<RiskRuleView[]> {
  return (await listRiskRules(context.db, scope)).map(presentRiskRule);
}

export async function getRiskRule(context: FlowContext, scope: Scope, id: string): Promise<RiskRuleView> {
  const rule = await findRiskRule(context.db, scope, id);
  if (!rule) throw missing(id);
  return presentRiskRule(rule);
}

export async function changeRiskRule(context: FlowContext, scope: Scope, id: string, change: Partial<RiskRuleInput>): Promise<RiskRuleView> {
  if (change.expression !== undefined) checkExpression(change.expression);
  const rule = await updateRiskRule(context.db, scope, id, change, now(context));
  if (!rule) throw missing(id);
  return presentRiskRule(rule);
}

export async function removeRiskRule(context: FlowContext, scope: Scope, id: string) {
  const rule = await deleteRiskRule(context.db, scope, id);
  if (!rule) throw missing(id);
  return { id: rule.id, object: 'risk_rule' as const, deleted: true as const };
}

/** Puts the rules in the order given; every rule of the merchant must be named once. */
export async function reorderRiskRules(context: FlowContext, scope: Scope, ids: readonly string[]): Promise<RiskRuleView[]> {
  const existing = await listRiskRules(context.db, scope);
  const named = new Set(ids);
  if (named.size !== ids.length || named.size !== existing.length || existing.some((rule) => !named.has(rule.id))) {
    throw new PaymentError('parameter_invalid', { param: 'rules', details: { reason: 'name every rule once' } });
  }
  await orderRiskRules(context.db, scope, ids, now(context));
  return listRules(context, scope);
}

export interface BacktestResult {
  object: 'risk_rule_backtest';
  expression: string;
  action: RiskAction;
  days: number;
  payments_evaluated: number;
  /** Payments the expression matches. */
  matched: number;
  /** Matched payments no earlier rule had decided: those this rule would have decided (blocked, held…). */
  decided: number;
  decided_refunded: number;
  decided_fraudulent: number;
  decided_succeeded: number;
  summary: string;
}

const verbs: Record<RiskAction, string> = { allow: 'allowed', challenge: 'challenged', review: 'held for review', block: 'blocked' };

/**
 * What a rule would have done over the last 30 days: evaluated on each decided
 * payment's stored signals, after the merchant's enabled rules placed before it
 * (`position`; default: after them all).
 */
export async function backtestRule(
  context: FlowContext,
  scope: Scope,
  input: { expression: string; action: RiskAction; position?: number; excludeRuleId?: string },
): Promise<BacktestResult> {
  checkExpression(input.expression);
  const node = compileRule(input.expression);
  const since = new Date(context.clock.nowMs() - limits.riskBacktestDays * 86_400_000);
  const [rows, rules] = await Promise.all([
    recentDecisionsForBacktest(context.db, scope, since, limits.riskBacktestPaymentsMax),
    listRiskRules(context.db, scope),
  ]);
  const earlier = compileStoredRules(
    rules.filter((r) => r.enabled && r.id !== input.excludeRuleId && (input.position === undefined || r.position < input.position)),
  );
  let matched = 0;
  const decided = { all: 0, refunded: 0, fraudulent: 0, succeeded: 0 };
  for (const row of rows) {
    const signals = { ...defaults(), ...row.signals } as Signals;
    if (!evaluateRule(node, signals)) continue;
    matched += 1;
    if (earlier.some((rule) => evaluateRule(rule.node, signals))) continue;
    decided.all += 1;
    if (Number(row.amount_refunded) > 0) decided.refunded += 1;
    if (row.fraudulent) decided.fraudulent += 1;
    if (row.status === 'succeeded') decided.succeeded += 1;
  }
  return {
    object: 'risk_rule_backtest',
    expression: input.expression,
    action: input.action,
    days: limits.riskBacktestDays,
    payments_evaluated: rows.length,
    matched,
    decided: decided.all,
    decided_refunded: decided.refunded,
    decided_fraudulent: decided.fraudulent,
    decided_succeeded: decided.succeeded,
    summary: `This rule would have ${verbs[input.action]} ${decided.all} payments in the last ${limits.riskBacktestDays} days, ${decided.refunded} of them later refunded and ${decided.fraudulent} marked fraudulent.`,
  };
}

/** Signals a decision stored before a signal existed lacks: 0, false or empty. */
function defaults(): Signals {
  const out: Record<string, number | boolean | string> = {};
  for (const [name, type] of Object.entries(signalTypes)) out[name] = type === 'number' ? 0 : type === 'boolean' ? false : '';
  return out as Signals;
}

export function signalCatalog() {
  return { object: 'list' as const, data: Object.entries(signalTypes).map(([name, type]) => ({ name, type })) };
}

function missing(id: string): PaymentError {
  return new PaymentError('resource_missing', { param: 'id', details: { resource: 'risk rule', id } });
}
