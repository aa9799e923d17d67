/**
 * Payer feedback as the analytics report it: CSAT from the checkout's 1–5
 * rating and NPS from the optional 0–10 "would you recommend" question.
 *
 * - CSAT = ratings of 4 or 5 / all ratings (a rate: 0 to 1, 4 decimals).
 * - NPS = % promoters (9–10) − % detractors (0–6) among NPS answers,
 *   from −100 to 100, rounded half away from zero to 2 decimals; passives
 *   (7–8) count in the denominator only.
 * - Without any answer, a figure is `null` ("no data"), never 0.
 * - `average_rating` is rounded half up to 2 decimals.
 * Every figure is computed on integers, so a test recounting the raw rows
 * finds exactly the same numbers.
 */
import { assert } from '../assert.ts';
import { rate } from './analytics.ts';

export const ratingValues = [1, 2, 3, 4, 5] as const;
export const npsScoreMin = 0;
export const npsScoreMax = 10;

export type NpsGroup = 'promoter' | 'passive' | 'detractor';

export function npsGroupOf(score: number): NpsGroup {
  assert(Number.isInteger(score) && score >= npsScoreMin && score <= npsScoreMax, 'an NPS score is 0 to 10');
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

/** One group of feedback rows: how many gave this rating and this NPS score (or none). */
export interface FeedbackCount {
  /** Null: an NPS answer from an emailed survey, without a checkout rating (counts in NPS only). */
  rating: number | null;
  npsScore: number | null;
  count: number;
}

export interface FeedbackFigures {
  responses: number;
  average_rating: number | null;
  csat: number | null;
  rating_counts: Record<'1' | '2' | '3' | '4' | '5', number>;
  nps_responses: number;
  nps: number | null;
  promoters: number;
  passives: number;
  detractors: number;
}

export function feedbackFigures(counts: readonly FeedbackCount[]): FeedbackFigures {
  const ratingCounts = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  const groups: Record<NpsGroup, number> = { promoter: 0, passive: 0, detractor: 0 };
  let responses = 0;
  let ratingSum = 0;
  for (const { rating, npsScore, count } of counts) {
    assert(Number.isSafeInteger(count) && count >= 0, 'counts are non-negative integers');
    if (npsScore !== null) groups[npsGroupOf(npsScore)] += count;
    if (rating === null) continue;
    assert(ratingValues.includes(rating as 1), 'a rating is 1 to 5');
    ratingCounts[String(rating) as keyof typeof ratingCounts] += count;
    responses += count;
    ratingSum += rating * count;
  }
  const npsResponses = groups.promoter + groups.passive + groups.detractor;
  return {
    responses,
    average_rating: responses === 0 ? null : roundedRatio(ratingSum, responses, 2),
    csat: rate(ratingCounts['4'] + ratingCounts['5'], responses),
    rating_counts: ratingCounts,
    nps_responses: npsResponses,
    nps: npsResponses === 0 ? null : roundedRatio((groups.promoter - groups.detractor) * 100, npsResponses, 2),
    promoters: groups.promoter,
    passives: groups.passive,
    detractors: groups.detractor,
  };
}

/** numerator / denominator rounded half away from zero to `decimals`, on integers. */
function roundedRatio(numerator: number, denominator: number, decimals: number): number {
  assert(Number.isSafeInteger(numerator) && Number.isSafeInteger(denominator) && denominator > 0, 'an exact ratio of integers');
  const scale = 10n ** BigInt(decimals);
  const n = BigInt(Math.abs(numerator)) * scale;
  const d = BigInt(denominator);
  const rounded = (2n * n + d) / (2n * d);
  return (numerator < 0 ? -1 : 1) * (Number(rounded) / Number(scale));
}
