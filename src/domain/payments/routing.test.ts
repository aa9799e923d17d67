import { describe, expect, it } from 'vitest';
import { breakerStateAt, closedBreaker, probeTaken, rankByHealth, routingPolicyDefault, SuccessRates, type Breaker } from './routing.ts';

const a = { id: 'ca_a', priority: 60 };
const b = { id: 'ca_b', priority: 40 };
const policy = routingPolicyDefault;
const ids = (ranked: { account: { id: string }; probe: boolean }[]) => ranked.map((x) => (x.probe ? `${x.account.id} (probe)` : x.account.id));
const openAt = (openedAtMs: number, lease: { holder: string; untilMs: number } | null = null): Breaker => ({
  state: 'open',
  failures: policy.failuresToOpen,
  openedAtMs,
  probeHolder: lease?.holder ?? null,
  probeLeasedUntilMs: lease?.untilMs ?? null,
});

describe('account routing', () => {
  it('prefers the higher priority while both are healthy', () => {
    expect(ids(rankByHealth([b, a], () => closedBreaker, new SuccessRates(), policy, 0))).toEqual(['ca_a', 'ca_b']);
  });

  it('drifts away from an account whose success rate degrades, before its breaker opens', () => {
    const rates = new SuccessRates();
    for (let i = 0; i < 10; i += 1) {
      rates.record('ca_a', i % 3 !== 0, i); // one in three fails
      rates.record('ca_b', true, i);
    }
    expect(ids(rankByHealth([a, b], () => closedBreaker, rates, policy, 10))).toEqual(['ca_b', 'ca_a']);
  });

  it('leaves an open account out, and offers it as a probe once the cooldown has passed', () => {
    const breakers = new Map([['ca_a', openAt(5)]]);
    const breakerOf = (id: string) => breakers.get(id) ?? closedBreaker;
    expect(breakerStateAt(breakers.get('ca_a')!, 6, policy)).toBe('open');
    expect(ids(rankByHealth([a, b], breakerOf, new SuccessRates(), policy, 6))).toEqual(['ca_b']);
    const afterCooldown = 5 + policy.cooldownMs;
    expect(breakerStateAt(breakers.get('ca_a')!, afterCooldown, policy)).toBe('half_open');
    expect(ids(rankByHealth([a, b], breakerOf, new SuccessRates(), policy, afterCooldown))).toEqual(['ca_a (probe)', 'ca_b']);
  });

  it('offers no probe while another call holds it, and offers it again once that lease has lapsed', () => {
    const leasedUntil = policy.cooldownMs + policy.probeLeaseMs;
    const breaker = openAt(0, { holder: 'node_x', untilMs: leasedUntil });
    expect(probeTaken(breaker, policy.cooldownMs)).toBe(true);
    expect(ids(rankByHealth([a, b], (id) => (id === 'ca_a' ? breaker : closedBreaker), new SuccessRates(), policy, policy.cooldownMs))).toEqual(['ca_b']);
    expect(ids(rankByHealth([a], () => breaker, new SuccessRates(), policy, leasedUntil))).toEqual(['ca_a (probe)']);
  });

  it('forgets outcomes older than the window', () => {
    const rates = new SuccessRates();
    rates.record('ca_a', false, 0);
    expect(rates.successRate('ca_a', 1)).toBe(0);
    expect(rates.successRate('ca_a', policy.windowMs + 1)).toBeNull();
  });
});
