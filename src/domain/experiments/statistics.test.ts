import { describe, expect, it } from 'vitest';
import { seededGenerator } from '../../../test/support/seeded.ts';
import { compareProportions, proportionInterval, sampleRatioCheck, standardNormalCdf } from './statistics.ts';

/** Converted payers out of `payers`, each converting with probability `rate`. */
function simulatedConversions(random: ReturnType<typeof seededGenerator>, payers: number, rate: number): number {
  let converted = 0;
  for (let i = 0; i < payers; i += 1) if (random.chance(rate)) converted += 1;
  return converted;
}

function significantShare(seed: number, repetitions: number, payersPerArm: number, controlRate: number, treatmentRate: number): number {
  const random = seededGenerator(seed);
  let significant = 0;
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const control = simulatedConversions(random, payersPerArm, controlRate);
    const treatment = simulatedConversions(random, payersPerArm, treatmentRate);
    if (compareProportions({ successes: control, trials: payersPerArm }, { successes: treatment, trials: payersPerArm })?.significant) significant += 1;
  }
  return significant / repetitions;
}

describe('experiment statistics', () => {
  it('computes the normal CDF, a Wilson interval and a z-test as the textbooks do', () => {
    expect(standardNormalCdf(1.959964)).toBeCloseTo(0.975, 5);
    const interval = proportionInterval(10, 100);
    expect(interval?.low).toBeCloseTo(0.0552, 3);
    expect(interval?.high).toBeCloseTo(0.1744, 3);
    const comparison = compareProportions({ successes: 100, trials: 1000 }, { successes: 130, trials: 1000 });
    expect(comparison?.z).toBeCloseTo(2.1027, 3);
    expect(comparison?.p_value).toBeCloseTo(0.0355, 3);
    expect(comparison?.significant).toBe(true);
  });

  it('detects a planted difference (10% vs 14%, 2 000 payers per arm) in at least 90% of 300 seeded repetitions', () => {
    expect(significantShare(17, 300, 2_000, 0.1, 0.14)).toBeGreaterThanOrEqual(0.9);
  });

  it('finds no difference where there is none (10% vs 10%) in at most 7.5% of 400 seeded repetitions (the level is 5%)', () => {
    const falsePositives = significantShare(41, 400, 2_000, 0.1, 0.1);
    expect(falsePositives).toBeLessThanOrEqual(0.075);
  });

  it('answers no comparison without payers or when nobody (or everybody) converted', () => {
    expect(compareProportions({ successes: 0, trials: 0 }, { successes: 1, trials: 10 })).toBeNull();
    expect(compareProportions({ successes: 0, trials: 10 }, { successes: 0, trials: 10 })).toBeNull();
  });

  it('flags a sample ratio mismatch (5 000 vs 5 400 planned 50/50) and not a chance wobble (5 000 vs 5 100)', () => {
    expect(sampleRatioCheck([5_000, 5_400], [1, 1])?.mismatch).toBe(true);
    const wobble = sampleRatioCheck([5_000, 5_100], [1, 1]);
    expect(wobble?.mismatch).toBe(false);
    expect(wobble?.chi_square).toBeCloseTo(0.990, 2);
    // 20/80 planned, 50/50 observed.
    expect(sampleRatioCheck([500, 500], [2_000, 8_000])?.mismatch).toBe(true);
  });
});
