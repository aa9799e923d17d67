import { describe, expect, it } from 'vitest';
import {
  averageOrderValue,
  bucketsOf,
  channelFiguresOf,
  figuresOf,
  hourMs,
  parseInstant,
  percentileNearestRank,
  rangeProblem,
  rate,
  splitRange,
  splitRangeLevels,
  latencySpanOf,
  refinedChannelRows,
  spansToRefine,
  type ChannelLatencyCount,
  type AnalyticsTotals,
} from './analytics.ts';

const at = (text: string) => new Date(text);

describe('rates', () => {
  it('rounds half up to 4 decimals from the exact ratio', () => {
    expect(rate(1, 3)).toBe(0.3333);
    expect(rate(2, 3)).toBe(0.6667);
    expect(rate(1, 20_000)).toBe(0.0001); // exactly 0.00005: half goes up
    expect(rate(1, 20_001)).toBe(0); // just under half
    expect(rate(5, 5)).toBe(1);
    expect(rate(0, 7)).toBe(0);
  });

  it('answers null, not 0, when there is nothing to divide by', () => {
    expect(rate(0, 0)).toBeNull();
  });
});

describe('average order value', () => {
  it('rounds half up to a whole minor unit, on bigints', () => {
    expect(averageOrderValue(5n, 2)).toBe(3n); // 2.5 → 3
    expect(averageOrderValue(7n, 3)).toBe(2n); // 2.33 → 2
    expect(averageOrderValue(8n, 3)).toBe(3n); // 2.67 → 3
    expect(averageOrderValue(3_000_000_000_000_000n, 1)).toBe(3_000_000_000_000_000n);
  });

  it('is null without a succeeded payment', () => {
    expect(averageOrderValue(0n, 0)).toBeNull();
  });
});

describe('nearest-rank percentile from a histogram', () => {
  it('is the smallest latency with at least ceil(p·N/100) latencies at or below it', () => {
    // 10 latencies: 1..10 → p50 is the 5th, p95 and p99 the 10th.
    const histogram = Array.from({ length: 10 }, (_, i) => ({ latencyMs: i + 1, count: 1 }));
    expect(percentileNearestRank(histogram, 50)).toBe(5);
    expect(percentileNearestRank(histogram, 95)).toBe(10);
    expect(percentileNearestRank(histogram, 99)).toBe(10);
  });

  it('weighs each latency by its count, whatever the order of the histogram', () => {
    const histogram = [
      { latencyMs: 900, count: 1 },
      { latencyMs: 20, count: 98 },
      { latencyMs: 300, count: 1 },
    ];
    expect(percentileNearestRank(histogram, 50)).toBe(20);
    expect(percentileNearestRank(histogram, 95)).toBe(20);
    expect(percentileNearestRank(histogram, 99)).toBe(300);
  });

  it('leaves out attempts without a latency, and is null when none has one', () => {
    expect(percentileNearestRank([{ latencyMs: null, count: 5 }, { latencyMs: 40, count: 1 }], 50)).toBe(40);
    expect(percentileNearestRank([{ latencyMs: null, count: 5 }], 50)).toBeNull();
    expect(percentileNearestRank([], 99)).toBeNull();
  });
});

describe('figures', () => {
  const totals: AnalyticsTotals = {
    currencies: [
      { currency: 'USD', created: 4, attempted: 3, succeeded: 2, canceled: 1, refunded: 1, amountSucceeded: 301n },
      { currency: 'CNY', created: 6, attempted: 5, succeeded: 3, canceled: 2, refunded: 0, amountSucceeded: 1000n },
      { currency: 'CNY', created: 1, attempted: 1, succeeded: 1, canceled: 0, refunded: 1, amountSucceeded: 1n },
    ],
    cancellations: [
      { currency: 'CNY', reason: 'abandoned', count: 2 },
      { currency: 'USD', reason: 'duplicate', count: 1 },
    ],
    declines: [
      { currency: 'CNY', code: 'insufficient_funds', count: 2 },
      { currency: 'USD', code: 'insufficient_funds', count: 1 },
      { currency: 'USD', code: 'expired_card', count: 1 },
    ],
  };

  it('over every currency: counts and rates summed, amounts only per currency', () => {
    const figures = figuresOf(totals, null);
    expect(figures).toMatchObject({
      payments_created: 11,
      payments_attempted: 9,
      payments_succeeded: 6,
      payments_canceled: 3,
      payments_abandoned: 2,
      payments_refunded: 2,
      amount_succeeded: null,
      average_order_value: null,
      success_rate: 0.6667,
      conversion_rate: 0.5455,
      cancellation_rate: 0.2727,
      abandonment_rate: 0.1818,
      refund_rate: 0.3333,
      decline_codes: { insufficient_funds: 3, expired_card: 1 },
    });
    expect(figures.amounts).toEqual([
      { currency: 'CNY', payments_succeeded: 4, amount_succeeded: 1001n, average_order_value: 250n },
      { currency: 'USD', payments_succeeded: 2, amount_succeeded: 301n, average_order_value: 151n },
    ]);
    expect(figures.cancellations_by_reason).toMatchObject({ abandoned: 2, duplicate: 1, fraudulent: 0, other: 0 });
  });

  it('for one currency: only its rows, with its amount as plain numbers', () => {
    const figures = figuresOf(totals, 'USD');
    expect(figures).toMatchObject({ payments_created: 4, payments_abandoned: 0, amount_succeeded: 301n, average_order_value: 151n, refund_rate: 0.5 });
    expect(figures.decline_codes).toEqual({ expired_card: 1, insufficient_funds: 1 });
  });

  it('for a currency without payments: zeros, an empty amount and null rates', () => {
    const figures = figuresOf(totals, 'JPY');
    expect(figures).toMatchObject({ payments_created: 0, amount_succeeded: 0n, average_order_value: null, success_rate: null, refund_rate: null });
    expect(figures.amounts).toEqual([{ currency: 'JPY', payments_succeeded: 0, amount_succeeded: 0n, average_order_value: null }]);
  });
});

describe('channels', () => {
  it('groups the histogram by payment method type and account, in order, with a success rate and percentiles', () => {
    const channels = channelFiguresOf([
      { paymentMethodType: 'wallet', connectorAccount: null, latencyMs: 3, attempts: 2, attemptsSucceeded: 1 },
      { paymentMethodType: 'card', connectorAccount: 'ca_2', latencyMs: 50, attempts: 1, attemptsSucceeded: 1 },
      { paymentMethodType: 'card', connectorAccount: 'ca_1', latencyMs: 10, attempts: 3, attemptsSucceeded: 2 },
      { paymentMethodType: 'card', connectorAccount: 'ca_1', latencyMs: 200, attempts: 1, attemptsSucceeded: 0 },
    ]);
    expect(channels.map((c) => [c.payment_method_type, c.connector_account])).toEqual([
      ['card', 'ca_1'],
      ['card', 'ca_2'],
      ['wallet', null],
    ]);
    expect(channels[0]).toEqual({
      payment_method_type: 'card',
      connector_account: 'ca_1',
      attempts: 4,
      attempts_succeeded: 2,
      success_rate: 0.5,
      latency_ms: { p50: 10, p95: 200, p99: 200 },
    });
  });

  it('drops a channel whose counts went back to zero (an attempt counted, then removed)', () => {
    expect(channelFiguresOf([{ paymentMethodType: 'card', connectorAccount: 'ca_1', latencyMs: 5, attempts: 0, attemptsSucceeded: 0 }])).toEqual([]);
  });
});

describe('ranges', () => {
  it('splits a range not aligned to hours into whole hours and two raw edges', () => {
    expect(splitRange({ from: at('2026-03-01T10:15:00Z'), to: at('2026-03-01T13:40:00Z') })).toEqual({
      wholeHours: { from: at('2026-03-01T11:00:00Z'), to: at('2026-03-01T13:00:00Z') },
      edges: [
        { from: at('2026-03-01T10:15:00Z'), to: at('2026-03-01T11:00:00Z') },
        { from: at('2026-03-01T13:00:00Z'), to: at('2026-03-01T13:40:00Z') },
      ],
    });
  });

  it('reads an aligned range from the rollups alone', () => {
    expect(splitRange({ from: at('2026-03-01T10:00:00Z'), to: at('2026-03-02T00:00:00Z') })).toEqual({
      wholeHours: { from: at('2026-03-01T10:00:00Z'), to: at('2026-03-02T00:00:00Z') },
      edges: [],
    });
  });

  it('counts a range within one hour, or straddling one boundary without a whole hour, from the raw tables', () => {
    expect(splitRange({ from: at('2026-03-01T10:15:00Z'), to: at('2026-03-01T10:16:00Z') })).toEqual({
      wholeHours: null,
      edges: [{ from: at('2026-03-01T10:15:00Z'), to: at('2026-03-01T10:16:00Z') }],
    });
    expect(splitRange({ from: at('2026-03-01T10:15:00Z'), to: at('2026-03-01T11:05:00Z') }).wholeHours).toBeNull();
  });

  it('splits a range over several days into whole days, the whole hours around them and the raw edges', () => {
    expect(splitRangeLevels({ from: at('2026-03-01T22:10:30Z'), to: at('2026-03-04T02:45:00Z') }, { days: true })).toEqual({
      wholeDays: { from: at('2026-03-02T00:00:00Z'), to: at('2026-03-04T00:00:00Z') },
      wholeHours: [
        { from: at('2026-03-01T23:00:00Z'), to: at('2026-03-02T00:00:00Z') },
        { from: at('2026-03-04T00:00:00Z'), to: at('2026-03-04T02:00:00Z') },
      ],
      edges: [
        { from: at('2026-03-01T22:10:30Z'), to: at('2026-03-01T23:00:00Z') },
        { from: at('2026-03-04T02:00:00Z'), to: at('2026-03-04T02:45:00Z') },
      ],
    });
    expect(splitRangeLevels({ from: at('2026-03-01T00:00:00Z'), to: at('2026-03-03T00:00:00Z') }, { days: true })).toEqual({
      wholeDays: { from: at('2026-03-01T00:00:00Z'), to: at('2026-03-03T00:00:00Z') },
      wholeHours: [],
      edges: [],
    });
  });

  it('keeps to hours when no whole day fits, or when asked to (hourly buckets)', () => {
    const range = { from: at('2026-03-01T22:10:30Z'), to: at('2026-03-03T01:00:00Z') };
    expect(splitRangeLevels(range, { days: false })).toEqual({
      wholeDays: null,
      wholeHours: [{ from: at('2026-03-01T23:00:00Z'), to: at('2026-03-03T01:00:00Z') }],
      edges: [{ from: at('2026-03-01T22:10:30Z'), to: at('2026-03-01T23:00:00Z') }],
    });
    expect(splitRangeLevels({ from: at('2026-03-01T01:00:00Z'), to: at('2026-03-02T00:30:00Z') }, { days: true })).toEqual({
      wholeDays: null,
      wholeHours: [{ from: at('2026-03-01T01:00:00Z'), to: at('2026-03-02T00:00:00Z') }],
      edges: [{ from: at('2026-03-02T00:00:00Z'), to: at('2026-03-02T00:30:00Z') }],
    });
    expect(splitRangeLevels({ from: at('2026-03-01T10:15:00Z'), to: at('2026-03-01T10:16:00Z') }, { days: true })).toEqual({
      wholeDays: null,
      wholeHours: [],
      edges: [{ from: at('2026-03-01T10:15:00Z'), to: at('2026-03-01T10:16:00Z') }],
    });
  });

  it('buckets cover the range exactly, the first and last cut to it', () => {
    const buckets = bucketsOf({ from: at('2026-03-01T22:30:00Z'), to: at('2026-03-03T01:00:00Z') }, 'day');
    expect(buckets).toEqual([
      { startMs: Date.parse('2026-03-01T00:00:00Z'), from: at('2026-03-01T22:30:00Z'), to: at('2026-03-02T00:00:00Z') },
      { startMs: Date.parse('2026-03-02T00:00:00Z'), from: at('2026-03-02T00:00:00Z'), to: at('2026-03-03T00:00:00Z') },
      { startMs: Date.parse('2026-03-03T00:00:00Z'), from: at('2026-03-03T00:00:00Z'), to: at('2026-03-03T01:00:00Z') },
    ]);
    expect(bucketsOf({ from: at('2026-03-01T00:00:00Z'), to: at('2026-03-02T00:00:00Z') }, 'hour')).toHaveLength(24);
    expect(bucketsOf({ from: at('2026-03-01T00:00:00Z'), to: new Date(Date.parse('2026-03-01T00:00:00Z') + 1) }, 'hour')).toHaveLength(1);
    expect(bucketsOf({ from: at('2026-03-01T00:00:00Z'), to: new Date(Date.parse('2026-03-01T00:00:00Z') + hourMs + 1) }, 'hour')).toHaveLength(2);
  });

  it('refuses an empty or reversed range, one over the bound, and hourly buckets over their own bound', () => {
    const bounds = { rangeDaysMax: 366, hourlyRangeDaysMax: 31 };
    const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n));
    expect(rangeProblem({ from: day(0), to: day(0) }, null, bounds)).toMatchObject({ param: 'to' });
    expect(rangeProblem({ from: day(1), to: day(0) }, null, bounds)).toMatchObject({ param: 'to' });
    expect(rangeProblem({ from: day(0), to: day(366) }, null, bounds)).toBeNull();
    expect(rangeProblem({ from: day(0), to: new Date(day(366).getTime() + 1) }, null, bounds)).toMatchObject({ param: 'to' });
    expect(rangeProblem({ from: day(0), to: day(31) }, 'hour', bounds)).toBeNull();
    expect(rangeProblem({ from: day(0), to: day(32) }, 'hour', bounds)).toMatchObject({ param: 'granularity' });
    expect(rangeProblem({ from: day(0), to: day(32) }, 'day', bounds)).toBeNull();
  });
});

describe('instants', () => {
  it('reads a time with Z or an offset, to the millisecond', () => {
    expect(parseInstant('2026-03-01T08:00:00Z')?.toISOString()).toBe('2026-03-01T08:00:00.000Z');
    expect(parseInstant('2026-03-01T08:00:00+08:00')?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(parseInstant('2026-03-01T08:00:00.123-05:30')?.toISOString()).toBe('2026-03-01T13:30:00.123Z');
    expect(parseInstant('2026-03-01T08:00Z')?.toISOString()).toBe('2026-03-01T08:00:00.000Z');
    expect(parseInstant('2026-03-01t08:00:00z')?.toISOString()).toBe('2026-03-01T08:00:00.000Z');
  });

  it('reads a bare date as midnight UTC', () => {
    expect(parseInstant('2026-03-01')?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });

  it('refuses a time without a zone, an impossible date, a leap second and finer than milliseconds', () => {
    for (const text of ['2026-03-01T08:00:00', '2026-02-30', '2026-13-01', '2026-03-01T24:00:00Z', '2026-12-31T23:59:60Z', '2026-03-01T08:00:00.1234Z', 'yesterday', '']) {
      expect(parseInstant(text), text).toBeNull();
    }
  });
});

describe('latency spans', () => {
  /** A seeded generator, so a failure can be replayed. */
  function random(seed: number) {
    let state = seed;
    return () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
  }

  it('percentiles from spans refined where they fall equal those of the exact histogram', () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const next = random(seed);
      const exact = new Map<string, ChannelLatencyCount>();
      const channels = [['card', 'ca_1'], ['card', 'ca_2'], ['wallet', null]] as const;
      const attempts = 1 + Math.floor(next() * 300);
      const spread = [3, 40, 700, 5000][Math.floor(next() * 4)]!;
      for (let i = 0; i < attempts; i += 1) {
        const [type, account] = channels[Math.floor(next() * channels.length)]!;
        const latencyMs = next() < 0.05 ? null : Math.floor(Math.pow(next(), 3) * spread);
        const key = JSON.stringify([type, account, latencyMs]);
        const row = exact.get(key) ?? { paymentMethodType: type, connectorAccount: account, latencyMs, attempts: 0, attemptsSucceeded: 0 };
        row.attempts += 1;
        if (next() < 0.7) row.attemptsSucceeded += 1;
        exact.set(key, row);
      }
      const exactRows = [...exact.values()];
      const bySpan = new Map<string, ChannelLatencyCount>();
      for (const row of exactRows) {
        const span = row.latencyMs === null ? null : latencySpanOf(row.latencyMs);
        const key = JSON.stringify([row.paymentMethodType, row.connectorAccount, span]);
        const entry = bySpan.get(key) ?? { ...row, latencyMs: span, attempts: 0, attemptsSucceeded: 0 };
        entry.attempts += row.attempts;
        entry.attemptsSucceeded += row.attemptsSucceeded;
        bySpan.set(key, entry);
      }
      const spanRows = [...bySpan.values()];
      const spans = spansToRefine(spanRows);
      const wanted = new Set(spans.map((s) => JSON.stringify([s.paymentMethodType, s.connectorAccount, s.span])));
      const refinedExact = exactRows.filter((row) => row.latencyMs !== null && wanted.has(JSON.stringify([row.paymentMethodType, row.connectorAccount, latencySpanOf(row.latencyMs)])));
      expect(channelFiguresOf(refinedChannelRows(spanRows, spans, refinedExact)), `seed ${seed}`).toEqual(channelFiguresOf(exactRows));
    }
  });

  it('refines only the spans a percentile falls in, once each, and none without a latency', () => {
    const rows: ChannelLatencyCount[] = [
      { paymentMethodType: 'card', connectorAccount: 'ca_1', latencyMs: 0, attempts: 50, attemptsSucceeded: 50 },
      { paymentMethodType: 'card', connectorAccount: 'ca_1', latencyMs: 3, attempts: 45, attemptsSucceeded: 40 },
      { paymentMethodType: 'card', connectorAccount: 'ca_1', latencyMs: 9, attempts: 5, attemptsSucceeded: 5 },
      { paymentMethodType: 'card', connectorAccount: 'ca_1', latencyMs: 40, attempts: 1, attemptsSucceeded: 1 },
      { paymentMethodType: 'wallet', connectorAccount: null, latencyMs: null, attempts: 7, attemptsSucceeded: 7 },
    ];
    // 101 latencies: p50 is the 51st (span 3), p95 the 96th and p99 the 100th (both span 9).
    expect(spansToRefine(rows)).toEqual([
      { paymentMethodType: 'card', connectorAccount: 'ca_1', span: 3 },
      { paymentMethodType: 'card', connectorAccount: 'ca_1', span: 9 },
    ]);
  });
});
