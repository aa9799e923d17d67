import { describe, expect, it } from 'vitest';
import { AccountHealthBook, routingPolicyDefault } from './routing.ts';

const a = { id: 'ca_a', priority: 60 };
const b = { id: 'ca_b', priority: 40 };

describe('account routing', () => {
  it('prefers the higher priority while both are healthy', () => {
    const book = new AccountHealthBook();
    expect(book.rank([b, a], 0).map((x) => x.id)).toEqual(['ca_a', 'ca_b']);
  });

  it('drifts away from an account whose success rate degrades, before its breaker opens', () => {
    const book = new AccountHealthBook();
    for (let i = 0; i < 10; i += 1) {
      book.record('ca_a', i % 3 !== 0, i); // one in three fails, never five in a row
      book.record('ca_b', true, i);
    }
    expect(book.state('ca_a', 10)).toBe('closed');
    expect(book.rank([a, b], 10).map((x) => x.id)).toEqual(['ca_b', 'ca_a']);
  });

  it('opens the breaker after five failures in a row, probes once after the cooldown, and closes on success', () => {
    const book = new AccountHealthBook();
    for (let i = 0; i < 4; i += 1) book.record('ca_a', false, i);
    expect(book.state('ca_a', 4)).toBe('closed');
    book.record('ca_a', false, 5);
    expect(book.state('ca_a', 6)).toBe('open');
    expect(book.rank([a, b], 6).map((x) => x.id)).toEqual(['ca_b']);
    const afterCooldown = 5 + routingPolicyDefault.cooldownMs;
    expect(book.state('ca_a', afterCooldown)).toBe('half_open');
    expect(book.rank([a, b], afterCooldown).map((x) => x.id)).toContain('ca_a');
    book.markCalled('ca_a', afterCooldown);
    expect(book.rank([a, b], afterCooldown).map((x) => x.id)).toEqual(['ca_b']); // one probe at a time
    book.record('ca_a', true, afterCooldown + 1);
    expect(book.state('ca_a', afterCooldown + 1)).toBe('closed');
  });

  it('opens again at once when the probe fails', () => {
    const book = new AccountHealthBook();
    for (let i = 0; i < 5; i += 1) book.record('ca_a', false, 0);
    const probeAt = routingPolicyDefault.cooldownMs;
    expect(book.state('ca_a', probeAt)).toBe('half_open');
    book.markCalled('ca_a', probeAt);
    book.record('ca_a', false, probeAt + 1);
    expect(book.state('ca_a', probeAt + 2)).toBe('open');
  });

  it('forgets outcomes older than the window', () => {
    const book = new AccountHealthBook();
    book.record('ca_a', false, 0);
    expect(book.successRate('ca_a', 1)).toBe(0);
    expect(book.successRate('ca_a', routingPolicyDefault.windowMs + 1)).toBeNull();
  });

  it('tells its listener once when a circuit opens and once when it closes, not when a half-open probe fails again', () => {
    const changes: string[] = [];
    const book = new AccountHealthBook(routingPolicyDefault, { onCircuitChange: (c) => changes.push(`${c.accountId} ${c.change} ${c.atMs}`) });
    for (let i = 1; i <= 7; i += 1) book.record('ca_a', false, i); // opens at the fifth; two more failures while open
    const probeAt = 7 + routingPolicyDefault.cooldownMs; // each failure while open restarts the cooldown
    expect(book.state('ca_a', probeAt)).toBe('half_open');
    book.record('ca_a', false, probeAt); // the probe fails: the same incident goes on
    book.record('ca_a', true, probeAt * 3);
    book.record('ca_a', true, probeAt * 3 + 1); // already closed: nothing to tell
    expect(changes).toEqual(['ca_a opened 5', `ca_a closed ${probeAt * 3}`]);
  });

  it('keeps routing when its listener throws', () => {
    const book = new AccountHealthBook(routingPolicyDefault, {
      onCircuitChange: () => {
        throw new Error('listener broke');
      },
    });
    for (let i = 0; i < 5; i += 1) book.record('ca_a', false, i);
    expect(book.state('ca_a', 5)).toBe('open');
  });
});
