/**
 * Which of a merchant's accounts at one provider gets the next payment.
 *
 * Each process keeps, per account, the technical outcomes of its recent calls
 * (did the provider answer properly, whatever it answered: a decline is a
 * healthy answer) and a circuit breaker:
 * - closed: calls go through; `failuresToOpen` technical failures in a row open it;
 * - open: no calls for `cooldownMs`, then one probe is let through (half-open);
 * - half-open: the probe's success closes it, its failure opens it again.
 *
 * Accounts are ranked by priority, lowered by how far their rolling success
 * rate falls short, so traffic drifts away from a degrading account before
 * its breaker opens. The state lives in memory: each API process learns on
 * its own, which is what a breaker needs (it must react within seconds,
 * without a database round trip).
 *
 * A listener may be told when an account's circuit opens (from closed) and
 * when it closes again, to record the incident; a probe failing in half-open
 * is the same incident going on, not a new one. The listener is called
 * synchronously and must not throw or block: it only starts its own work.
 */
import { assert } from '../assert.ts';

export interface RoutingPolicy {
  windowMs: number;
  outcomesPerAccountMax: number;
  failuresToOpen: number;
  cooldownMs: number;
  /** How many points of priority a 100 % shortfall in success rate costs. */
  successRateWeight: number;
}

export const routingPolicyDefault: RoutingPolicy = {
  windowMs: 5 * 60 * 1000,
  outcomesPerAccountMax: 1000,
  failuresToOpen: 5,
  cooldownMs: 30_000,
  successRateWeight: 100,
};

export type BreakerState = 'closed' | 'open' | 'half_open';

interface AccountHealth {
  outcomes: { atMs: number; ok: boolean }[];
  consecutiveFailures: number;
  state: BreakerState;
  openedAtMs: number;
  probeInFlight: boolean;
}

export interface RoutableAccount {
  id: string;
  priority: number;
}

export interface CircuitChange {
  accountId: string;
  change: 'opened' | 'closed';
  atMs: number;
}

export type CircuitListener = (change: CircuitChange) => void;

export class AccountHealthBook {
  private readonly accounts = new Map<string, AccountHealth>();
  private readonly policy: RoutingPolicy;
  private readonly onCircuitChange: CircuitListener | null;

  constructor(policy: RoutingPolicy = routingPolicyDefault, options: { onCircuitChange?: CircuitListener } = {}) {
    assert(policy.failuresToOpen >= 1 && policy.cooldownMs > 0 && policy.windowMs > 0, 'routing policy bounds');
    this.policy = policy;
    this.onCircuitChange = options.onCircuitChange ?? null;
  }

  /** Records whether the provider answered properly (`ok`) or failed technically. */
  record(accountId: string, ok: boolean, nowMs: number): void {
    const health = this.health(accountId);
    health.outcomes.push({ atMs: nowMs, ok });
    if (health.outcomes.length > this.policy.outcomesPerAccountMax) health.outcomes.shift();
    health.probeInFlight = false;
    const before = health.state;
    if (ok) {
      health.consecutiveFailures = 0;
      health.state = 'closed';
      if (before !== 'closed') this.tell({ accountId, change: 'closed', atMs: nowMs });
      return;
    }
    health.consecutiveFailures += 1;
    if (health.state === 'half_open' || health.consecutiveFailures >= this.policy.failuresToOpen) {
      health.state = 'open';
      health.openedAtMs = nowMs;
      if (before === 'closed') this.tell({ accountId, change: 'opened', atMs: nowMs });
    }
  }

  /** A listener's failure is its own: routing goes on whatever happens to the record of it. */
  private tell(change: CircuitChange): void {
    if (!this.onCircuitChange) return;
    try {
      this.onCircuitChange(change);
    } catch {
      // Deliberately ignored: see above.
    }
  }

  state(accountId: string, nowMs: number): BreakerState {
    const health = this.health(accountId);
    if (health.state === 'open' && nowMs - health.openedAtMs >= this.policy.cooldownMs) health.state = 'half_open';
    return health.state;
  }

  /** Technical success rate over the window; null without outcomes. */
  successRate(accountId: string, nowMs: number): number | null {
    const recent = this.health(accountId).outcomes.filter((o) => nowMs - o.atMs < this.policy.windowMs);
    if (recent.length === 0) return null;
    return recent.filter((o) => o.ok).length / recent.length;
  }

  /**
   * The accounts that may be called now, best first. A half-open account is
   * offered only when no probe is already out; taking it marks the probe.
   */
  rank(accounts: readonly RoutableAccount[], nowMs: number): RoutableAccount[] {
    const eligible = accounts.filter((account) => {
      const state = this.state(account.id, nowMs);
      return state === 'closed' || (state === 'half_open' && !this.health(account.id).probeInFlight);
    });
    const score = (account: RoutableAccount) => {
      const rate = this.successRate(account.id, nowMs);
      return account.priority - (rate === null ? 0 : (1 - rate) * this.policy.successRateWeight);
    };
    return eligible.sort((a, b) => score(b) - score(a) || b.priority - a.priority || (a.id < b.id ? -1 : 1));
  }

  /** Marks that a call is about to go to this account (a half-open account's one probe). */
  markCalled(accountId: string, nowMs: number): void {
    if (this.state(accountId, nowMs) === 'half_open') this.health(accountId).probeInFlight = true;
  }

  private health(accountId: string): AccountHealth {
    let health = this.accounts.get(accountId);
    if (!health) {
      health = { outcomes: [], consecutiveFailures: 0, state: 'closed', openedAtMs: 0, probeInFlight: false };
      this.accounts.set(accountId, health);
    }
    return health;
  }
}
