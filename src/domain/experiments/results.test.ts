import { describe, expect, it } from 'vitest';
import { seededGenerator } from '../../../test/support/seeded.ts';
import { assignVariant } from './assignment.ts';
import { emptyCounts, experimentResults, type VariantCounts } from './results.ts';

const plan = [
  { key: 'control', name: 'Control', share_basis_points: 5_000 },
  { key: 'treatment', name: 'Pay now', share_basis_points: 5_000 },
];

function counts(payers: number, converted: number, extra: Partial<VariantCounts> = {}): VariantCounts {
  return { ...emptyCounts, payers, converted, ...extra };
}

describe('experiment results', () => {
  it('withholds the comparison and the winner until every variant has the minimum sample', () => {
    const early = experimentResults({ variants: plan, controlKey: 'control', minimumSamplePerVariant: 100, counts: new Map([['control', counts(99, 5)], ['treatment', counts(150, 60)]]) });
    expect(early.sample_sufficient).toBe(false);
    expect(early.winner).toBeNull();
    expect(early.variants.map((variant) => variant.conversion_vs_control)).toEqual([null, null]);
    // The counts and rates are shown all the same.
    expect(early.variants[1]?.conversion.rate).toBeCloseTo(0.4, 10);
  });

  it('names the treatment the winner when its conversion is significantly higher, and nobody when it is lower', () => {
    const better = experimentResults({ variants: plan, controlKey: 'control', minimumSamplePerVariant: 100, counts: new Map([['control', counts(1_000, 100)], ['treatment', counts(1_000, 140)]]) });
    expect(better.winner).toBe('treatment');
    expect(better.variants[0]?.conversion_vs_control).toBeNull();
    expect(better.variants[1]?.conversion_vs_control?.significant).toBe(true);
    const worse = experimentResults({ variants: plan, controlKey: 'control', minimumSamplePerVariant: 100, counts: new Map([['control', counts(1_000, 140)], ['treatment', counts(1_000, 100)]]) });
    expect(worse.winner).toBeNull();
    expect(worse.variants[1]?.conversion_vs_control?.significant).toBe(true);
  });

  it('flags a sample ratio mismatch when one variant loses a tenth of its exposures, and not when assignment is as planned', () => {
    const random = seededGenerator(5);
    const exposed = { control: 0, treatment: 0 };
    const lossy = { control: 0, treatment: 0 };
    for (let i = 0; i < 10_000; i += 1) {
      const key = assignVariant('exp_srm', `payer_${i}_${random.int(1e9)}`, plan).key as 'control' | 'treatment';
      exposed[key] += 1;
      // A bug that drops a tenth of the treatment's exposures (a slower page, a crash on one variant).
      if (key === 'control' || random.next() >= 0.1) lossy[key] += 1;
    }
    const results = (split: typeof exposed) =>
      experimentResults({ variants: plan, controlKey: 'control', minimumSamplePerVariant: 100, counts: new Map([['control', counts(split.control, 0)], ['treatment', counts(split.treatment, 0)]]) });
    expect(results(exposed).sample_ratio_mismatch).toBe(false);
    expect(results(lossy).sample_ratio_mismatch).toBe(true);
  });

  it('averages order values in whole minor units and keeps every interval in range', () => {
    const result = experimentResults({
      variants: plan,
      controlKey: 'control',
      minimumSamplePerVariant: 1,
      counts: new Map([['control', counts(10, 3, { order_values: [{ currency: 'CNY', payments: 3, amount_sum: 1_001n, amount_stddev: 0.5 }] })]]),
    });
    const value = result.variants[0]?.average_order_value[0];
    expect(value?.amount).toBe(334n);
    expect(value?.interval && value.interval.low <= 334n && value.interval.high >= 334n).toBe(true);
    expect(result.variants[1]?.exposed_payers).toBe(0);
    expect(result.variants[1]?.conversion.rate).toBeNull();
  });
});
