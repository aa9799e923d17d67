/** The risk objects the Risk page reads from /v1 (docs/api-risk.md), and the small pure helpers it shows them with. */

export type RiskAction = 'allow' | 'challenge' | 'review' | 'block';
export const riskActions: readonly RiskAction[] = ['allow', 'challenge', 'review', 'block'];

export interface RiskRule {
  id: string;
  name: string;
  expression: string;
  action: RiskAction;
  position: number;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export type SignalValue = number | boolean | string;

export interface PaymentRisk {
  decision: RiskAction | null;
  score: number | null;
  rules_fired: string[];
  signals: Record<string, SignalValue> | null;
  challenge_passed: boolean;
  fraudulent: boolean;
  decided_at: string | null;
}

export interface Review {
  id: string;
  payment: string;
  status: 'pending' | 'approved' | 'rejected';
  capture_on_approve: boolean;
  created_at: string;
  decided_at: string | null;
  risk: PaymentRisk;
}

export interface Backtest {
  expression: string;
  action: RiskAction;
  days: number;
  payments_evaluated: number;
  matched: number;
  decided: number;
  decided_refunded: number;
  decided_fraudulent: number;
  decided_succeeded: number;
}

export type BlocklistKind = 'card_fingerprint' | 'email' | 'phone' | 'address' | 'customer' | 'device';
export const blocklistKinds: readonly BlocklistKind[] = ['card_fingerprint', 'email', 'phone', 'address', 'customer', 'device'];

export interface BlocklistEntry {
  id: string;
  kind: BlocklistKind;
  value: string;
  reason: string | null;
  source_payment: string | null;
  created_at: string;
}

export interface RiskFigures {
  payments_succeeded: number;
  payments_fraudulent: number;
  fraud_rate: number | null;
  decisions: { decided: number; allowed: number; challenged: number; reviewed: number; blocked: number };
  block_rate: number | null;
  challenge_rate: number | null;
  review_rate: number | null;
  challenge_pass_rate: number | null;
  reviews: { approved: number; rejected: number; pending: number; decision_seconds_p50: number | null; decision_seconds_p90: number | null };
  false_positives: number;
}

/**
 * An expression cut around the character the server named (0-based), so the
 * page can mark it: a position past the end (a missing operand) marks a
 * space after the text.
 */
export function splitAtPosition(expression: string, position: number): { before: string; at: string; after: string } {
  const index = Math.max(0, Math.min(Math.trunc(position), expression.length));
  const at = expression.slice(index, index + 1);
  return { before: expression.slice(0, index), at: at === '' ? ' ' : at, after: expression.slice(index + 1) };
}

/** The signals worth a glance: those that are true, or a number other than 0 (and -1, "none"), or a non-empty text. */
export function notableSignals(signals: Record<string, SignalValue> | null, max: number): [string, SignalValue][] {
  if (!signals) return [];
  const notable = Object.entries(signals).filter(([name, value]) => {
    if (name === 'currency' || name === 'payment_method_type' || name === 'amount' || name === 'hour_of_day') return false;
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') return value !== 0 && value !== -1;
    return value !== '';
  });
  return notable.slice(0, max);
}

/** Rules in the order given by moving one of them up (-1) or down (+1); the ids, as POST /v1/risk_rules/order takes them. */
export function movedOrder(rules: readonly { id: string }[], id: string, step: -1 | 1): string[] {
  const ids = rules.map((rule) => rule.id);
  const from = ids.indexOf(id);
  const to = from + step;
  if (from < 0 || to < 0 || to >= ids.length) return ids;
  [ids[from], ids[to]] = [ids[to]!, ids[from]!];
  return ids;
}
