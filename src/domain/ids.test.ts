import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.ts';
import { ManualClock, seededRandom } from './clock.ts';
import { createIdGenerator, idPrefixes, isId } from './ids.ts';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const decodeTimeMs = (id: string): number =>
  [...id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11)].reduce((value, char) => value * 32 + alphabet.indexOf(char), 0);
const startMs = Date.UTC(2026, 0, 1, 12, 0, 0, 0);

describe('ids', () => {
  it('starts with its prefix and has 26 Crockford base32 characters after it', () => {
    const ids = createIdGenerator(new ManualClock(startMs), seededRandom(1));
    for (const prefix of Object.values(idPrefixes)) {
      const id = ids.newId(prefix);
      expect(id.startsWith(`${prefix}_`)).toBe(true);
      expect(id).toHaveLength(prefix.length + 1 + 26);
      expect(id.slice(prefix.length + 1)).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
      expect(isId(id, prefix)).toBe(true);
    }
  });

  it('encodes the creation millisecond in its first ten characters', () => {
    const clock = new ManualClock(startMs);
    const ids = createIdGenerator(clock, seededRandom(2));
    expect(decodeTimeMs(ids.newId('pay'))).toBe(startMs);
    clock.advanceMs(12_345);
    expect(decodeTimeMs(ids.newId('pay'))).toBe(startMs + 12_345);
  });

  it('sorts by creation time across milliseconds, whatever the random part', () => {
    const clock = new ManualClock(startMs);
    const ids = createIdGenerator(clock, seededRandom(3));
    const made: string[] = [];
    for (let i = 0; i < 500; i += 1) {
      made.push(ids.newId('pay'));
      clock.advanceMs(1 + (i % 3));
    }
    expect([...made].sort()).toEqual(made);
  });

  it('increases monotonically within one millisecond (1000 ids, all distinct and ordered)', () => {
    const ids = createIdGenerator(new ManualClock(startMs), seededRandom(4));
    const made = Array.from({ length: 1000 }, () => ids.newId('evt'));
    expect(new Set(made).size).toBe(1000);
    for (let i = 1; i < made.length; i += 1) expect(made[i]! > made[i - 1]!, `${made[i - 1]} < ${made[i]}`).toBe(true);
    expect(new Set(made.map(decodeTimeMs))).toEqual(new Set([startMs]));
  });

  it('keeps increasing when the clock steps backwards', () => {
    const clock = new ManualClock(startMs);
    const ids = createIdGenerator(clock, seededRandom(5));
    const before = ids.newId('pay');
    clock.setMs(startMs - 60_000);
    const after = ids.newId('pay');
    expect(after > before).toBe(true);
  });

  it('replays the same ids from the same seed and clock, and different ones from another seed', () => {
    const run = (seed: number) => {
      const clock = new ManualClock(startMs);
      const ids = createIdGenerator(clock, seededRandom(seed));
      return Array.from({ length: 5 }, () => (clock.advanceMs(1), ids.newId('pay')));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('refuses a time beyond its 50-bit width with an assertion rather than a wrong id', () => {
    const ids = createIdGenerator(new ManualClock(2 ** 50), seededRandom(6));
    expect(() => ids.newId('pay')).toThrow(AssertionError);
  });

  it('isId refuses another prefix, letters outside the alphabet, upper case and wrong lengths', () => {
    const id = createIdGenerator(new ManualClock(startMs), seededRandom(7)).newId('pay');
    const body = id.slice(4);
    expect(isId(id, 're')).toBe(false);
    expect(isId(`pay_${body.slice(0, 25)}`, 'pay')).toBe(false);
    expect(isId(`pay_${body}0`, 'pay')).toBe(false);
    expect(isId(`pay_${body.toUpperCase()}`, 'pay')).toBe(false);
    for (const letter of ['i', 'l', 'o', 'u']) expect(isId(`pay_${letter}${body.slice(1)}`, 'pay'), letter).toBe(false);
    expect(isId(`PAY_${body}`, 'pay')).toBe(false);
  });
});
