import { describe, expect, it } from 'vitest';
import { seededGenerator } from '../../../test/support/seeded.ts';
import { assignVariant, assignmentBucket } from './assignment.ts';
import { sampleRatioCheck } from './statistics.ts';

function seededPayers(seed: number, count: number): string[] {
  const random = seededGenerator(seed);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: count }, () => `payer_${Array.from({ length: 16 }, () => random.pick([...alphabet])).join('')}`);
}

function split(experimentId: string, payers: readonly string[], variants: { key: string; share_basis_points: number }[]): Map<string, number> {
  const counts = new Map(variants.map((variant) => [variant.key, 0]));
  for (const payer of payers) {
    const key = assignVariant(experimentId, payer, variants).key;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('assignment of payers to variants', () => {
  const halves = [
    { key: 'control', share_basis_points: 5_000 },
    { key: 'treatment', share_basis_points: 5_000 },
  ];

  it('gives the same payer the same variant every time, and a bucket in [0, 1)', () => {
    for (const payer of seededPayers(7, 500)) {
      const first = assignVariant('exp_a', payer, halves).key;
      expect(assignVariant('exp_a', payer, halves).key).toBe(first);
      const bucket = assignmentBucket('exp_a', payer);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(1);
    }
  });

  it('splits 10 000 seeded payers 50/50 within 1.5 points, and the split passes the sample ratio test', () => {
    const counts = split('exp_balanced', seededPayers(20261206, 10_000), halves);
    for (const count of counts.values()) expect(Math.abs(count / 10_000 - 0.5)).toBeLessThan(0.015);
    expect(sampleRatioCheck([...counts.values()], [5_000, 5_000])?.mismatch).toBe(false);
  });

  it('follows unequal shares (20/30/50) over 10 000 seeded payers within 1.5 points each', () => {
    const variants = [
      { key: 'a', share_basis_points: 2_000 },
      { key: 'b', share_basis_points: 3_000 },
      { key: 'c', share_basis_points: 5_000 },
    ];
    const counts = split('exp_three', seededPayers(99, 10_000), variants);
    for (const variant of variants) expect(Math.abs((counts.get(variant.key) ?? 0) / 10_000 - variant.share_basis_points / 10_000)).toBeLessThan(0.015);
  });

  it('splits payers independently in two experiments (a payer in treatment in one is not always in treatment in the other)', () => {
    const payers = seededPayers(3, 10_000);
    let same = 0;
    for (const payer of payers) if (assignVariant('exp_one', payer, halves).key === assignVariant('exp_two', payer, halves).key) same += 1;
    // Independent halves agree about half the time; a shared hash would agree always.
    expect(Math.abs(same / payers.length - 0.5)).toBeLessThan(0.02);
  });

  it('refuses shares that do not add up to 100%', () => {
    expect(() => assignVariant('exp', 'payer_12345678', [{ key: 'a', share_basis_points: 6_000 }, { key: 'b', share_basis_points: 3_000 }])).toThrow(/add up/);
  });
});
