/**
 * Account health for routing, as every API process sees it: the circuit
 * breakers live in PostgreSQL (store/connector-breakers.ts) and each process
 * keeps what it read, so an ordinary payment costs no database round trip.
 *
 * - Reading: a breaker read is trusted for `breakerCacheListeningTrustMs`
 *   while the invalidation listener listens (every change is announced as
 *   `connector_breaker:<account>` and drops it at once), for
 *   `breakerCacheTrustMs` otherwise; an account never seen is read, with the
 *   others of the same payment, in one query.
 * - Writing: only when something changes: a technical failure, a success
 *   while failures are counted or the circuit is open, and leasing the
 *   half-open probe. Each write is one locked decision in PostgreSQL, so of
 *   three processes seeing the same failures one opens the circuit (and
 *   records the incident), and of three wanting to probe one does.
 * - A read that started before a change was announced is never kept: an
 *   announcement moves the generation on, and a read from an older generation
 *   is used once and dropped.
 *
 * Failing to write a breaker never fails the payment: it is reported and
 * routing goes on from what the process knew.
 */
import {
  closedBreaker,
  rankByHealth,
  breakerStateAt,
  SuccessRates,
  type Breaker,
  type BreakerState,
  type CircuitListener,
  type RoutableAccount,
  type RoutingPolicy,
} from '../../domain/payments/routing.ts';
import { limits } from '../../domain/limits.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Db } from '../../store/database.ts';
import type { InvalidationListener } from '../../store/invalidation.ts';
import { leaseBreakerProbe, loadBreakers, recordBreakerFailure, recordBreakerSuccess, type BreakerChange } from '../../store/connector-breakers.ts';

export interface AccountHealthOptions {
  db: () => Db;
  clock: Clock;
  policy: RoutingPolicy;
  /** This process's name as a probe holder: unique per process. */
  holder: string;
  onCircuitChange?: CircuitListener;
  onError?: (error: unknown) => void;
  /** Real elapsed time, for how long a read is trusted, whatever clock the flows run on. */
  monotonicMs?: () => number;
}

interface Entry {
  breaker: Breaker;
  readAtMs: number;
}

export class AccountHealth {
  private readonly entries = new Map<string, Entry>();
  private readonly rates: SuccessRates;
  private listener: InvalidationListener | null = null;
  private generation = 0;
  private readonly monotonicMs: () => number;
  private readonly options: AccountHealthOptions;

  constructor(options: AccountHealthOptions) {
    this.options = options;
    this.rates = new SuccessRates(options.policy);
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  /** Hears every process's breaker changes; answers a function that stops. */
  follow(listener: InvalidationListener): () => void {
    this.listener = listener;
    const forget = (accountId: string | null) => {
      this.generation += 1;
      if (accountId === null) this.entries.clear();
      else this.entries.delete(accountId);
    };
    const unsubscribe = listener.subscribe('connector_breaker', (accountId) => forget(accountId));
    const unreset = listener.onReset(() => forget(null));
    forget(null);
    return () => {
      unsubscribe();
      unreset();
      if (this.listener === listener) this.listener = null;
      forget(null);
    };
  }

  /**
   * The accounts that may be called now, best first. A half-open account is
   * offered only when this call has just leased its probe: every process
   * together sends one probe at a time.
   */
  async rank<T extends RoutableAccount>(merchantId: string, accounts: readonly T[], nowMs: number): Promise<T[]> {
    const breakers = await this.breakers(merchantId, accounts.map((account) => account.id));
    const ranked = rankByHealth(accounts, (id) => breakers.get(id) ?? closedBreaker, this.rates, this.options.policy, nowMs);
    const callable: T[] = [];
    for (const { account, probe } of ranked) {
      if (!probe || (await this.leaseProbe(merchantId, account.id, nowMs))) callable.push(account as T);
    }
    return callable;
  }

  /** Records whether the provider answered properly (`ok`, a decline included) or failed technically. */
  async record(merchantId: string, accountId: string, ok: boolean, nowMs: number): Promise<void> {
    this.rates.record(accountId, ok, nowMs);
    const known = (await this.breakers(merchantId, [accountId])).get(accountId) ?? closedBreaker;
    // The usual case, a success on a healthy account, writes nothing.
    if (ok && known.state === 'closed' && known.failures === 0) return;
    const now = new Date(nowMs);
    const holder = this.options.holder;
    const generation = this.generation;
    try {
      const change = ok
        ? await recordBreakerSuccess(this.options.db(), { accountId, merchantId, holder, now })
        : await recordBreakerFailure(this.options.db(), { accountId, merchantId, holder, failuresToOpen: this.options.policy.failuresToOpen, now });
      if (change) this.changed(merchantId, accountId, change, generation, nowMs);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  async state(merchantId: string, accountId: string, nowMs: number): Promise<BreakerState> {
    return (await this.states(merchantId, [accountId], nowMs)).get(accountId) ?? 'closed';
  }

  /** The circuits of several accounts of one merchant, read together. */
  async states(merchantId: string, accountIds: readonly string[], nowMs: number): Promise<Map<string, BreakerState>> {
    const breakers = await this.breakers(merchantId, accountIds);
    return new Map(accountIds.map((id) => [id, breakerStateAt(breakers.get(id) ?? closedBreaker, nowMs, this.options.policy)]));
  }

  /** This process's own technical success rate over the window; null without outcomes. */
  successRate(accountId: string, nowMs: number): number | null {
    return this.rates.successRate(accountId, nowMs);
  }

  private changed(merchantId: string, accountId: string, change: BreakerChange, generation: number, nowMs: number): void {
    this.keep(accountId, change.breaker, generation);
    const tell = this.options.onCircuitChange;
    if (!tell) return;
    const opened = change.previous === 'closed' && change.breaker.state === 'open';
    const closed = change.previous === 'open' && change.breaker.state === 'closed';
    try {
      if (opened) tell({ accountId, merchantId, change: 'opened', atMs: nowMs });
      if (closed) tell({ accountId, merchantId, change: 'closed', atMs: nowMs });
    } catch {
      // The listener's failure is its own: routing goes on whatever happens to the record of it.
    }
  }

  private async leaseProbe(merchantId: string, accountId: string, nowMs: number): Promise<boolean> {
    const generation = this.generation;
    try {
      const { policy, holder } = this.options;
      const leased = await leaseBreakerProbe(this.options.db(), { accountId, merchantId, holder, now: new Date(nowMs), cooldownMs: policy.cooldownMs, leaseMs: policy.probeLeaseMs });
      if (leased) this.keep(accountId, leased, generation);
      else this.entries.delete(accountId); // another process leased it (or closed the circuit): read it again next time
      return leased !== null;
    } catch (error) {
      this.options.onError?.(error);
      return false;
    }
  }

  /** The breakers of these accounts (of one merchant), from what is trusted, the rest read in one query. */
  private async breakers(merchantId: string, accountIds: readonly string[]): Promise<Map<string, Breaker>> {
    const found = new Map<string, Breaker>();
    const missing: string[] = [];
    const trustMs = this.listener?.isListening() ? limits.breakerCacheListeningTrustMs : limits.breakerCacheTrustMs;
    const nowMs = this.monotonicMs();
    for (const id of accountIds) {
      const entry = this.entries.get(id);
      if (entry && nowMs - entry.readAtMs < trustMs) found.set(id, entry.breaker);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const generation = this.generation;
    const read = await loadBreakers(this.options.db(), merchantId, missing);
    for (const id of missing) {
      const breaker = read.get(id) ?? closedBreaker;
      found.set(id, breaker);
      this.keep(id, breaker, generation);
    }
    return found;
  }

  private keep(accountId: string, breaker: Breaker, generation: number): void {
    // Read before a change was announced: it may predate the change, so it is not kept.
    if (generation !== this.generation) return;
    if (this.entries.size >= limits.breakerCacheAccountsMax) this.entries.clear();
    this.entries.set(accountId, { breaker, readAtMs: this.monotonicMs() });
  }
}
