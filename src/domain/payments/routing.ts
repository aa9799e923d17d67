/**
 * Which of a merchant's accounts at one provider gets the next payment.
 *
 * Each account has a circuit breaker, shared by every API process (kept in
 * PostgreSQL, see flows/channels/account-health.ts):
 * - closed: calls go through; `failuresToOpen` technical failures in a row open it;
 * - open: no calls for `cooldownMs`, then one probe is let through (half-open);
 * - half-open: the probe's success closes it, its failure opens it again.
 * The probe is a lease taken by one process at a time, and lapses after
 * `probeLeaseMs` if that process dies while probing.
 *
 * Accounts are also ranked by priority, lowered by how far their rolling
 * success rate falls short, so traffic drifts away from a degrading account
 * before its breaker opens. That success rate is each process's own (a
 * success is never written anywhere: it would cost every payment a write);
 * only the breaker, which decides whether an account is called at all, is
 * shared.
 *
 * A listener may be told when an account's circuit opens (from closed) and
 * when it closes again, to record the incident; a probe failing in half-open
 * is the same incident going on, not a new one.
 */
import { assert } from '../assert.ts';

export interface RoutingPolicy {
  windowMs: number;
  outcomesPerAccountMax: number;
  failuresToOpen: number;
  cooldownMs: number;
  /** How long a process may hold the half-open probe before another may take it. */
  probeLeaseMs: number;
  /** How many points of priority a 100 % shortfall in success rate costs. */
  successRateWeight: number;
}

export const routingPolicyDefault: RoutingPolicy = {
  windowMs: 5 * 60 * 1000,
  outcomesPerAccountMax: 1000,
  failuresToOpen: 5,
  cooldownMs: 30_000,
  // Longer than any one provider call (limits.connectorCallBudgetMs), so a live probe is never taken over.
  probeLeaseMs: 30_000,
  successRateWeight: 100,
};

export function assertRoutingPolicy(policy: RoutingPolicy): void {
  assert(policy.failuresToOpen >= 1 && policy.cooldownMs > 0 && policy.windowMs > 0 && policy.probeLeaseMs > 0, 'routing policy bounds');
}
assertRoutingPolicy(routingPolicyDefault);

export type BreakerState = 'closed' | 'open' | 'half_open';

/** An account's breaker as stored: `open` with the instant it opened, and the probe's lease if one is out. */
export interface Breaker {
  state: 'closed' | 'open';
  /** Technical failures in a row while closed. */
  failures: number;
  openedAtMs: number | null;
  probeHolder: string | null;
  probeLeasedUntilMs: number | null;
}

export const closedBreaker: Breaker = Object.freeze({ state: 'closed', failures: 0, openedAtMs: null, probeHolder: null, probeLeasedUntilMs: null });

/** An open breaker is half-open once its cooldown has passed. */
export function breakerStateAt(breaker: Breaker, nowMs: number, policy: RoutingPolicy): BreakerState {
  if (breaker.state === 'closed') return 'closed';
  assert(breaker.openedAtMs !== null, 'an open breaker knows when it opened');
  return nowMs - breaker.openedAtMs >= policy.cooldownMs ? 'half_open' : 'open';
}

/** True while some process holds the probe of this (half-open) breaker. */
export function probeTaken(breaker: Breaker, nowMs: number): boolean {
  return breaker.probeLeasedUntilMs !== null && breaker.probeLeasedUntilMs > nowMs;
}

export interface RoutableAccount {
  id: string;
  priority: number;
}

export interface CircuitChange {
  accountId: string;
  /** The account's merchant. */
  merchantId: string;
  change: 'opened' | 'closed';
  atMs: number;
}

export type CircuitListener = (change: CircuitChange) => void;

/** One process's recent technical outcomes per account, for the success rate. */
export class SuccessRates {
  private readonly outcomes = new Map<string, { atMs: number; ok: boolean }[]>();
  private readonly policy: RoutingPolicy;

  constructor(policy: RoutingPolicy = routingPolicyDefault) {
    this.policy = policy;
  }

  /** Records whether the provider answered properly (`ok`, a decline included) or failed technically. */
  record(accountId: string, ok: boolean, nowMs: number): void {
    const list = this.outcomes.get(accountId) ?? [];
    this.outcomes.set(accountId, list);
    list.push({ atMs: nowMs, ok });
    if (list.length > this.policy.outcomesPerAccountMax) list.shift();
  }

  /** Technical success rate over the window; null without outcomes. */
  successRate(accountId: string, nowMs: number): number | null {
    const recent = (this.outcomes.get(accountId) ?? []).filter((o) => nowMs - o.atMs < this.policy.windowMs);
    if (recent.length === 0) return null;
    return recent.filter((o) => o.ok).length / recent.length;
  }
}

/**
 * The accounts that may be called now, best first, each saying whether it is
 * a half-open account whose probe must first be leased. An open account is
 * left out, and so is a half-open one whose probe another call holds.
 */
export function rankByHealth(
  accounts: readonly RoutableAccount[],
  breakerOf: (accountId: string) => Breaker,
  rates: SuccessRates,
  policy: RoutingPolicy,
  nowMs: number,
): { account: RoutableAccount; probe: boolean }[] {
  const eligible: { account: RoutableAccount; probe: boolean }[] = [];
  for (const account of accounts) {
    const breaker = breakerOf(account.id);
    const state = breakerStateAt(breaker, nowMs, policy);
    if (state === 'closed') eligible.push({ account, probe: false });
    else if (state === 'half_open' && !probeTaken(breaker, nowMs)) eligible.push({ account, probe: true });
  }
  const score = (account: RoutableAccount) => {
    const rate = rates.successRate(account.id, nowMs);
    return account.priority - (rate === null ? 0 : (1 - rate) * policy.successRateWeight);
  };
  return eligible.sort((a, b) => score(b.account) - score(a.account) || b.account.priority - a.account.priority || (a.account.id < b.account.id ? -1 : 1));
}
