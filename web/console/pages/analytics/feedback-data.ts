/** Payer feedback (GET /v1/analytics/feedback, for the range and once per bucket) shaped for the feedback page's charts. Pure. */
import type { CategoryChartData, TimeChartData } from '../../charts/shape.ts';

export interface FeedbackFigures {
  object: 'feedback_summary';
  from: string;
  to: string;
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

export function satisfactionOverTime(buckets: readonly FeedbackFigures[], granularity: 'hour' | 'day', names: { csat: string; nps: string; responses: string }): { csat: TimeChartData; nps: TimeChartData; responses: TimeChartData } {
  const times = buckets.map((bucket) => bucket.from);
  return {
    csat: { times, granularity, valueKind: 'rate', series: [{ name: names.csat, values: buckets.map((bucket) => bucket.csat) }] },
    nps: { times, granularity, valueKind: 'score', series: [{ name: names.nps, values: buckets.map((bucket) => bucket.nps) }] },
    responses: { times, granularity, valueKind: 'count', series: [{ name: names.responses, type: 'bar', values: buckets.map((bucket) => bucket.responses) }] },
  };
}

export function ratingDistribution(figures: FeedbackFigures, ratingLabel: (stars: number) => string, name: string): CategoryChartData {
  const stars = [5, 4, 3, 2, 1] as const;
  return { categories: stars.map(ratingLabel), valueKind: 'count', horizontal: true, series: [{ name, values: stars.map((s) => figures.rating_counts[String(s) as '1'] ?? 0) }] };
}

export function npsGroups(figures: FeedbackFigures, names: { promoters: string; passives: string; detractors: string }, name: string): CategoryChartData {
  return {
    categories: [names.promoters, names.passives, names.detractors],
    valueKind: 'count',
    horizontal: true,
    series: [{ name, values: [figures.promoters, figures.passives, figures.detractors] }],
  };
}
