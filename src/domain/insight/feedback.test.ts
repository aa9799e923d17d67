import { describe, expect, it } from 'vitest';
import { feedbackFigures, npsGroupOf } from './feedback.ts';

describe('feedback figures', () => {
  it('groups NPS scores: 9–10 promoters, 7–8 passives, 0–6 detractors', () => {
    expect([0, 6, 7, 8, 9, 10].map(npsGroupOf)).toEqual(['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
    expect(() => npsGroupOf(11)).toThrow();
  });

  it('computes CSAT as the share of 4 and 5 ratings and NPS as promoters % minus detractors %', () => {
    const figures = feedbackFigures([
      { rating: 5, npsScore: 10, count: 2 },
      { rating: 4, npsScore: 8, count: 1 },
      { rating: 2, npsScore: 3, count: 1 },
      { rating: 1, npsScore: null, count: 2 },
    ]);
    expect(figures).toEqual({
      responses: 6,
      average_rating: 3,
      csat: 0.5,
      rating_counts: { '1': 2, '2': 1, '3': 0, '4': 1, '5': 2 },
      nps_responses: 4,
      nps: 25,
      promoters: 2,
      passives: 1,
      detractors: 1,
    });
  });

  it('counts an NPS answer without a rating (an emailed survey) in NPS only, not in CSAT', () => {
    const figures = feedbackFigures([
      { rating: null, npsScore: 10, count: 2 },
      { rating: null, npsScore: 3, count: 1 },
      { rating: 5, npsScore: null, count: 1 },
    ]);
    expect(figures).toMatchObject({ responses: 1, csat: 1, average_rating: 5, nps_responses: 3, promoters: 2, detractors: 1, nps: 33.33 });
  });

  it('rounds on integers, goes negative for NPS, and answers null without responses', () => {
    const figures = feedbackFigures([
      { rating: 3, npsScore: 0, count: 2 },
      { rating: 4, npsScore: 9, count: 1 },
    ]);
    expect(figures.average_rating).toBe(3.33);
    expect(figures.csat).toBe(0.3333);
    expect(figures.nps).toBe(-33.33);
    const none = feedbackFigures([]);
    expect(none).toMatchObject({ responses: 0, average_rating: null, csat: null, nps_responses: 0, nps: null });
  });
});
