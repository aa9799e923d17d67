/**
 * An experiment's results from the counts the store recounts from the rows:
 * per variant the exposed payers, conversion, cancellation and abandonment
 * rates with their intervals, time to pay and average order value; each
 * variant's conversion compared with the control's; a sample ratio check.
 * Comparisons and the winner are withheld until every variant has the
 * minimum sample: reading a test early and often finds differences that
 * are not there.
 */
import { compareProportions, meanInterval, proportionInterval, sampleRatioCheck, significanceLevel, type Interval, type ProportionComparison, type SampleRatioCheck } from './statistics.ts';

export interface VariantPlan {
  key: string;
  name: string;
  share_basis_points: number;
}

export interface VariantCounts {
  payers: number;
  converted: number;
  canceled: number;
  abandoned: number;
  seconds_to_pay_mean: number | null;
  seconds_to_pay_stddev: number | null;
  seconds_to_pay_count: number;
  order_values: { currency: string; payments: number; amount_sum: bigint; amount_stddev: number | null }[];
}

export interface Rate {
  count: number;
  rate: number | null;
  interval: Interval | null;
}

export const emptyCounts: VariantCounts = Object.freeze({
  payers: 0,
  converted: 0,
  canceled: 0,
  abandoned: 0,
  seconds_to_pay_mean: null,
  seconds_to_pay_stddev: null,
  seconds_to_pay_count: 0,
  order_values: [],
}) as VariantCounts;

function rateOf(count: number, payers: number): Rate {
  return { count, rate: payers === 0 ? null : count / payers, interval: proportionInterval(count, payers) };
}

/** The mean of integer minor units, rounded half away from zero without leaving integers. */
function meanMinorUnits(sum: bigint, count: number): bigint {
  const n = BigInt(count);
  return (2n * sum + n) / (2n * n);
}

export function variantResult(plan: VariantPlan, counts: VariantCounts) {
  const seconds = counts.seconds_to_pay_mean;
  return {
    key: plan.key,
    name: plan.name,
    planned_share: plan.share_basis_points / 10_000,
    exposed_payers: counts.payers,
    conversion: rateOf(counts.converted, counts.payers),
    cancellation: rateOf(counts.canceled, counts.payers),
    abandonment: rateOf(counts.abandoned, counts.payers),
    time_to_pay_seconds: {
      count: counts.seconds_to_pay_count,
      mean: seconds,
      interval: seconds === null ? null : meanInterval(seconds, counts.seconds_to_pay_stddev ?? 0, counts.seconds_to_pay_count),
    },
    average_order_value: counts.order_values.map((value) => {
      const mean = meanMinorUnits(value.amount_sum, value.payments);
      const interval = meanInterval(Number(mean), value.amount_stddev ?? 0, value.payments);
      return {
        currency: value.currency,
        payments: value.payments,
        amount: mean,
        // The interval is a statistic about amounts, not an amount: whole minor units, rounded outwards.
        interval: interval && { low: BigInt(Math.max(0, Math.floor(interval.low))), high: BigInt(Math.ceil(interval.high)) },
      };
    }),
  };
}

export interface ExperimentResults {
  level: number;
  minimum_sample_per_variant: number;
  sample_sufficient: boolean;
  variants: (ReturnType<typeof variantResult> & { conversion_vs_control: ProportionComparison | null })[];
  winner: string | null;
  sample_ratio: SampleRatioCheck | null;
  sample_ratio_mismatch: boolean;
}

export function experimentResults(input: {
  variants: readonly VariantPlan[];
  controlKey: string;
  minimumSamplePerVariant: number;
  counts: ReadonlyMap<string, VariantCounts>;
}): ExperimentResults {
  const countsOf = (key: string) => input.counts.get(key) ?? emptyCounts;
  const control = countsOf(input.controlKey);
  const sufficient = input.variants.every((variant) => countsOf(variant.key).payers >= input.minimumSamplePerVariant);
  const variants = input.variants.map((plan) => {
    const counts = countsOf(plan.key);
    const comparison =
      sufficient && plan.key !== input.controlKey
        ? compareProportions({ successes: control.converted, trials: control.payers }, { successes: counts.converted, trials: counts.payers })
        : null;
    return { ...variantResult(plan, counts), conversion_vs_control: comparison };
  });
  const winners = variants.filter((variant) => variant.conversion_vs_control?.significant && variant.conversion_vs_control.difference > 0);
  winners.sort((a, b) => (b.conversion_vs_control?.difference ?? 0) - (a.conversion_vs_control?.difference ?? 0));
  const sampleRatio = sampleRatioCheck(
    input.variants.map((variant) => countsOf(variant.key).payers),
    input.variants.map((variant) => variant.share_basis_points),
  );
  return {
    level: significanceLevel,
    minimum_sample_per_variant: input.minimumSamplePerVariant,
    sample_sufficient: sufficient,
    variants,
    winner: winners[0]?.key ?? null,
    sample_ratio: sampleRatio,
    sample_ratio_mismatch: sampleRatio?.mismatch ?? false,
  };
}
