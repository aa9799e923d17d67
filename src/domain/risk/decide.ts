/**
 * A decision from the merchant's rules: every rule is evaluated in order and
 * those that match are recorded; the first match's action is the decision
 * (none: `allow`). After the merchant's own rules comes one built in, so a
 * blocklisted card, email, phone, address, customer or device is blocked
 * unless an earlier rule of the merchant's said otherwise.
 */
import { compileRule, evaluateRule, type RuleNode } from './expression.ts';
import type { Signals } from './signals.ts';

export const riskActions = ['allow', 'challenge', 'review', 'block'] as const;
export type RiskAction = (typeof riskActions)[number];

export interface CompiledRule {
  id: string;
  name: string;
  action: RiskAction;
  node: RuleNode;
}

export const blocklistRule: CompiledRule = { id: 'blocklist', name: 'Blocklisted', action: 'block', node: compileRule('blocklisted') };

export interface Decision {
  action: RiskAction;
  /** Ids of the rules that matched, in order. */
  fired: string[];
}

export function decide(rules: readonly CompiledRule[], signals: Signals): Decision {
  const fired = [...rules, blocklistRule].filter((rule) => evaluateRule(rule.node, signals));
  return { action: fired[0]?.action ?? 'allow', fired: fired.map((rule) => rule.id) };
}

/** The stricter of two actions: a payment held for review stays held whatever a later confirm decides. */
export function stricter(a: RiskAction, b: RiskAction): RiskAction {
  return riskActions.indexOf(a) >= riskActions.indexOf(b) ? a : b;
}
