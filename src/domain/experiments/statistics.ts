/**
 * The statistics of an experiment's results, on maintained libraries: the
 * normal distribution from simple-statistics (its error function; its
 * `cumulativeStdNormalProbability` is a table rounded to 0.01, too coarse
 * for p-values) and the chi-square distribution from stdlib.
 *
 * - Rates get Wilson score intervals, which stay inside [0, 1] and behave
 *   at small counts where the plain normal interval does not.
 * - A variant is compared with the control by a two-sided two-proportion
 *   z-test (pooled standard error), with an unpooled interval for the
 *   difference.
 * - Sample ratio mismatch is a chi-square goodness-of-fit test of the
 *   payers exposed per variant against the planned shares.
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { errorFunction, probit } from 'simple-statistics';
import { assert } from '../assert.ts';

/** Two-sided level of the comparisons and the intervals. */
export const significanceLevel = 0.05;
/** The sample ratio test is strict on purpose: it runs on every read of the results, so a looser level would cry wolf. */
export const sampleRatioMismatchLevel = 0.001;

export function standardNormalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/** The z with P(|Z| <= z) = 1 - level. */
export function twoSidedCriticalValue(level: number): number {
  assert(level > 0 && level < 1, 'a significance level is in (0, 1)');
  return probit(1 - level / 2);
}

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval of a proportion; null without observations. */
export function proportionInterval(successes: number, trials: number, level = significanceLevel): Interval | null {
  assert(successes >= 0 && successes <= trials, 'successes are among the trials');
  if (trials === 0) return null;
  const z = twoSidedCriticalValue(level);
  const p = successes / trials;
  const denominator = 1 + (z * z) / trials;
  const centre = (p + (z * z) / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Mean ± z·s/√n: the normal interval of a mean (the samples compared are large; see the minimum sample). */
export function meanInterval(mean: number, standardDeviation: number, count: number, level = significanceLevel): Interval | null {
  if (count < 2) return null;
  const half = (twoSidedCriticalValue(level) * standardDeviation) / Math.sqrt(count);
  return { low: mean - half, high: mean + half };
}

export interface ProportionComparison {
  /** Treatment rate minus control rate. */
  difference: number;
  difference_interval: Interval;
  z: number;
  p_value: number;
  significant: boolean;
}

/** Two-sided two-proportion z-test of the treatment against the control; null when either has no trials or the pooled rate is 0 or 1. */
export function compareProportions(
  control: { successes: number; trials: number },
  treatment: { successes: number; trials: number },
  level = significanceLevel,
): ProportionComparison | null {
  if (control.trials === 0 || treatment.trials === 0) return null;
  const p1 = control.successes / control.trials;
  const p2 = treatment.successes / treatment.trials;
  const pooled = (control.successes + treatment.successes) / (control.trials + treatment.trials);
  const pooledError = Math.sqrt(pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials));
  if (pooledError === 0) return null;
  const z = (p2 - p1) / pooledError;
  const pValue = Math.min(1, 2 * (1 - standardNormalCdf(Math.abs(z))));
  const unpooledError = Math.sqrt((p1 * (1 - p1)) / control.trials + (p2 * (1 - p2)) / treatment.trials);
  const half = twoSidedCriticalValue(level) * unpooledError;
  return { difference: p2 - p1, difference_interval: { low: p2 - p1 - half, high: p2 - p1 + half }, z, p_value: pValue, significant: pValue < level };
}

export interface SampleRatioCheck {
  chi_square: number;
  degrees_of_freedom: number;
  p_value: number;
  mismatch: boolean;
}

/** Chi-square goodness of fit of the observed counts to the planned shares (any positive weights); null with no observations. */
export function sampleRatioCheck(observed: readonly number[], plannedShares: readonly number[], level = sampleRatioMismatchLevel): SampleRatioCheck | null {
  assert(observed.length === plannedShares.length && observed.length >= 2, 'one planned share per observed count, two or more');
  const total = observed.reduce((sum, count) => sum + count, 0);
  const shareTotal = plannedShares.reduce((sum, share) => sum + share, 0);
  if (total === 0) return null;
  let chiSquare = 0;
  observed.forEach((count, index) => {
    const expected = (total * (plannedShares[index] as number)) / shareTotal;
    assert(expected > 0, 'every planned share is positive');
    chiSquare += (count - expected) ** 2 / expected;
  });
  const degreesOfFreedom = observed.length - 1;
  const pValue = 1 - chisquareCdf(chiSquare, degreesOfFreedom);
  return { chi_square: chiSquare, degrees_of_freedom: degreesOfFreedom, p_value: pValue, mismatch: pValue < level };
}
