import { describe, expect, it } from 'vitest';
import { foldThemes, scaledScore, type ThemeGroup } from './themes.ts';

describe('foldThemes', () => {
  it('averages the exact scores, rounds half away from zero, and counts topics per dimension', () => {
    const groups: ThemeGroup[] = [
      { dimension: 'all', key: null, sentiment: 'negative', topic: null, comments: 2, scoreSum: '-1.5001' },
      { dimension: 'all', key: null, sentiment: 'positive', topic: null, comments: 1, scoreSum: '0.5000' },
      { dimension: 'all', key: null, sentiment: 'negative', topic: 'slow', comments: 2, scoreSum: '-1.5001' },
      { dimension: 'channel', key: 'card', sentiment: 'negative', topic: null, comments: 2, scoreSum: '-1.5001' },
      { dimension: 'channel', key: 'card', sentiment: 'negative', topic: 'slow', comments: 2, scoreSum: '-1.5001' },
      { dimension: 'channel', key: 'alipay', sentiment: 'positive', topic: null, comments: 1, scoreSum: '0.5000' },
    ];
    const themes = foldThemes(groups, new Map());
    // (−1.5001 + 0.5) / 3 = −0.333366… → −0.3334
    expect(themes.totals).toMatchObject({ comments: 3, negative: 2, neutral: 0, positive: 1, average_score: -0.3334 });
    expect(themes.totals.topics.slow).toBe(2);
    expect(themes.topics.find((t) => t.topic === 'slow')).toMatchObject({ comments: 2, negative: 2, average_score: -0.7501 });
    expect(themes.topics.find((t) => t.topic === 'price')).toMatchObject({ comments: 0, average_score: null, examples: [] });
    expect(themes.by_channel.map((c) => c.payment_method_type)).toEqual(['alipay', 'card']);
    expect(themes.by_channel[1]).toMatchObject({ comments: 2, average_score: -0.7501, topics: { slow: 2, price: 0 } });
    expect(themes.timeseries).toEqual([]);
  });

  it('reads numeric sums exactly', () => {
    expect(scaledScore('-1.2345')).toBe(-12345n);
    expect(scaledScore('0.5')).toBe(5000n);
    expect(scaledScore('12')).toBe(120000n);
    expect(() => scaledScore('1e3')).toThrow();
  });
});
