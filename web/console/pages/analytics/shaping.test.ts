import { describe, expect, it } from 'vitest';
import { incidentsPerDay, valueKindOf, type Incident } from './alerts-data.ts';
import { overTimeChart, rateOverTime, totalsChart, type CancellationSummary } from './cancellations-data.ts';
import { declineCodes, declinesOverTime, latencyOverTime, successRateOverTime, type ChannelFiguresAnswer } from './channels-data.ts';
import { addFigures, compare, regroupByLocalDay, topCounts, type Bucket } from './figures.ts';
import { bucketsOf, dayIn, dayMs, dayRange, hourMs, lastDays, previousRange, seriesPlan, startOfDayIn } from './range.ts';

describe('ranges in the merchant’s days', () => {
  it('starts a day at the merchant’s midnight, across daylight-saving changes too', () => {
    expect(startOfDayIn('2026-12-06', 'Asia/Shanghai').toISOString()).toBe('2026-12-05T16:00:00.000Z');
    expect(startOfDayIn('2026-12-06', 'UTC').toISOString()).toBe('2026-12-06T00:00:00.000Z');
    // New York moves to summer time at 02:00 on 2026-03-08: that day has 23 hours.
    const day = dayRange('2026-03-08', '2026-03-08', 'America/New_York');
    expect(day.from.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(day.to.getTime() - day.from.getTime()).toBe(23 * hourMs);
  });

  it('takes the last N days with today, and the same length just before to compare', () => {
    const now = Date.parse('2026-12-06T03:00:00Z'); // 11:00 in Shanghai
    const week = lastDays(7, now, 'Asia/Shanghai');
    expect(week.from.toISOString()).toBe('2026-11-29T16:00:00.000Z');
    expect(week.to.toISOString()).toBe('2026-12-06T16:00:00.000Z');
    const before = previousRange(week);
    expect(before.to).toEqual(week.from);
    expect(before.from.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(dayIn(new Date(now), 'America/Los_Angeles')).toBe('2026-12-05');
  });

  it('asks by the hour for short ranges and for merchant’s days the API’s UTC days would cut wrongly', () => {
    expect(seriesPlan(dayRange('2026-12-06', '2026-12-06', 'Asia/Shanghai'), 'Asia/Shanghai')).toEqual({ granularity: 'hour', regroupDays: false, utcDays: false });
    expect(seriesPlan(dayRange('2026-12-01', '2026-12-07', 'Asia/Shanghai'), 'Asia/Shanghai')).toEqual({ granularity: 'hour', regroupDays: true, utcDays: false });
    expect(seriesPlan(dayRange('2026-12-01', '2026-12-07', 'UTC'), 'UTC')).toEqual({ granularity: 'day', regroupDays: false, utcDays: false });
    expect(seriesPlan(dayRange('2026-09-01', '2026-12-07', 'Asia/Shanghai'), 'Asia/Shanghai')).toEqual({ granularity: 'day', regroupDays: false, utcDays: true });
  });

  it('cuts a range into at most N buckets of one length, the last cut at the end', () => {
    const week = dayRange('2026-12-01', '2026-12-07', 'Asia/Shanghai');
    const { buckets, granularity } = bucketsOf(week, 14);
    expect(granularity).toBe('hour');
    expect(buckets).toHaveLength(14);
    expect(buckets[0]!.to.getTime() - buckets[0]!.from.getTime()).toBe(12 * hourMs);
    const month = bucketsOf(dayRange('2026-11-01', '2026-11-30', 'UTC'), 14);
    expect(month.granularity).toBe('day');
    expect(month.buckets).toHaveLength(10);
    expect(month.buckets.at(-1)!.to).toEqual(dayRange('2026-11-01', '2026-11-30', 'UTC').to);
    expect(month.buckets.every((b) => b.to.getTime() - b.from.getTime() <= 7 * dayMs)).toBe(true);
  });
});

function bucket(from: string, to: string, fields: Partial<Bucket>): Bucket {
  return {
    from,
    to,
    payments_created: 0,
    payments_attempted: 0,
    payments_succeeded: 0,
    payments_canceled: 0,
    payments_abandoned: 0,
    payments_refunded: 0,
    amount_succeeded: 0,
    average_order_value: null,
    amounts: [],
    success_rate: null,
    conversion_rate: null,
    cancellation_rate: null,
    abandonment_rate: null,
    refund_rate: null,
    cancellations_by_reason: {},
    decline_codes: {},
    ...fields,
  };
}

describe('payment figures', () => {
  it('adds hours into the merchant’s days and recomputes rates from counts, never averaging them', () => {
    const hours = [
      // 23:00 on the 5th in Shanghai, then 00:00 and 01:00 on the 6th.
      bucket('2026-12-05T15:00:00.000Z', '2026-12-05T16:00:00.000Z', { payments_created: 10, payments_attempted: 10, payments_succeeded: 10, amount_succeeded: 1000 }),
      bucket('2026-12-05T16:00:00.000Z', '2026-12-05T17:00:00.000Z', { payments_created: 1, payments_attempted: 1, payments_succeeded: 0, amount_succeeded: 0, success_rate: 0 }),
      bucket('2026-12-05T17:00:00.000Z', '2026-12-05T18:00:00.000Z', {
        payments_created: 3,
        payments_attempted: 3,
        payments_succeeded: 3,
        amount_succeeded: 600,
        decline_codes: { insufficient_funds: 2 },
        amounts: [{ currency: 'CNY', payments_succeeded: 3, amount_succeeded: 600, average_order_value: 200 }],
      }),
    ];
    const days = regroupByLocalDay(hours, 'Asia/Shanghai');
    expect(days).toHaveLength(2);
    expect(days[1]).toMatchObject({ from: '2026-12-05T16:00:00.000Z', to: '2026-12-05T18:00:00.000Z', payments_created: 4, payments_succeeded: 3, amount_succeeded: 600, average_order_value: 200 });
    // 3 of 4, not the mean of 0 % and 100 %.
    expect(days[1]!.success_rate).toBe(0.75);
    expect(days[1]!.decline_codes).toEqual({ insufficient_funds: 2 });
    expect(addFigures(days[0]!, days[1]!).conversion_rate).toBe(13 / 14);
  });

  it('leaves amounts null when the figures span currencies', () => {
    const a = bucket('a', 'b', { amount_succeeded: null, payments_succeeded: 1 });
    expect(addFigures(a, bucket('b', 'c', { amount_succeeded: 5 })).amount_succeeded).toBeNull();
  });

  it('compares counts relatively and rates in points, with nothing to compare when either side is missing', () => {
    expect(compare(120, 100, 'relative')).toMatchObject({ change: 0.2 });
    expect(compare(5, 0, 'relative').change).toBeNull();
    expect(compare(0.9, 0.95, 'difference').change).toBeCloseTo(-0.05);
    expect(compare(null, 0.9, 'difference').change).toBeNull();
  });

  it('keeps the most frequent counts, largest first, without zeros', () => {
    expect(topCounts({ a: 1, b: 5, c: 0, d: 5 }, 2)).toEqual({ keys: ['b', 'd'], values: [5, 5] });
  });
});

const channels: ChannelFiguresAnswer = {
  object: 'channel_figures',
  from: '2026-12-05T16:00:00.000Z',
  to: '2026-12-05T18:00:00.000Z',
  granularity: 'hour',
  channels: [
    {
      payment_method_type: 'card',
      connector_account: 'ca_1',
      connector: 'card',
      totals: { attempts: 4, attempts_succeeded: 2, success_rate: 0.5, latency_ms: { p50: 100, p95: 900, p99: 990 }, decline_codes: { insufficient_funds: 1, lost_card: 1 } },
      series: [
        { from: '2026-12-05T16:00:00.000Z', to: '2026-12-05T17:00:00.000Z', attempts: 2, attempts_succeeded: 2, success_rate: 1, latency_ms: { p50: 100, p95: 120, p99: 130 }, decline_codes: {} },
        { from: '2026-12-05T17:00:00.000Z', to: '2026-12-05T18:00:00.000Z', attempts: 2, attempts_succeeded: 0, success_rate: 0, latency_ms: { p50: 800, p95: 900, p99: 990 }, decline_codes: { insufficient_funds: 1, lost_card: 1 } },
      ],
    },
    {
      payment_method_type: 'wallet',
      connector_account: null,
      connector: null,
      totals: { attempts: 0, attempts_succeeded: 0, success_rate: null, latency_ms: { p50: null, p95: null, p99: null }, decline_codes: { incorrect_pin: 3 } },
      series: [
        { from: '2026-12-05T16:00:00.000Z', to: '2026-12-05T17:00:00.000Z', attempts: 0, attempts_succeeded: 0, success_rate: null, latency_ms: { p50: null, p95: null, p99: null }, decline_codes: {} },
        { from: '2026-12-05T17:00:00.000Z', to: '2026-12-05T18:00:00.000Z', attempts: 0, attempts_succeeded: 0, success_rate: null, latency_ms: { p50: null, p95: null, p99: null }, decline_codes: { incorrect_pin: 3 } },
      ],
    },
  ],
};
const label = (c: { payment_method_type: string; connector_account: string | null }) => `${c.payment_method_type}/${c.connector_account ?? 'none'}`;

describe('channel figures', () => {
  it('draws one success-rate line per channel, gaps where a channel had no attempts', () => {
    const chart = successRateOverTime(channels, label);
    expect(chart.times).toEqual(['2026-12-05T16:00:00.000Z', '2026-12-05T17:00:00.000Z']);
    expect(chart.series.map((s) => [s.name, s.values])).toEqual([
      ['card/ca_1', [1, 0]],
      ['wallet/none', [null, null]],
    ]);
  });

  it('shows one channel’s latency percentiles and its decline codes stacked, the rest as other', () => {
    const latency = latencyOverTime(channels.channels[0]!, 'hour', { p50: 'p50', p95: 'p95', p99: 'p99' });
    expect(latency.valueKind).toBe('duration');
    expect(latency.series.map((s) => s.values)).toEqual([[100, 800], [120, 900], [130, 990]]);
    const declines = declinesOverTime(channels.channels[0]!, 'hour', 1, 'other');
    expect(declines.series.map((s) => [s.name, s.stack, s.values])).toEqual([
      ['insufficient_funds', 'declines', [0, 1]],
      ['other', 'declines', [0, 1]],
    ]);
  });

  it('sums decline codes over the chosen channels', () => {
    expect(declineCodes(channels.channels, 10, 'n')).toMatchObject({ categories: ['incorrect_pin', 'insufficient_funds', 'lost_card'], series: [{ values: [3, 1, 1] }] });
  });
});

function cancellationSummary(from: string, created: number, byReason: Record<string, number>, byStage: Record<string, number> = {}): CancellationSummary {
  const cancellations = Object.values(byReason).reduce((a, b) => a + b, 0);
  return { object: 'cancellation_summary', from, to: from, payments_created: created, cancellations, cancellation_rate: created ? cancellations / created : 0, by_reason: byReason, by_stage: byStage, by_source: {}, by_detected_cause: {} };
}

describe('cancellation figures', () => {
  it('charts totals per value, largest first, and buckets stacked with the top values and the rest', () => {
    const total = cancellationSummary('t', 10, { abandoned: 5, duplicate: 2, other: 1, fraudulent: 0 });
    expect(totalsChart(total, 'reason', (v) => v.toUpperCase(), 'n')).toMatchObject({ categories: ['ABANDONED', 'DUPLICATE', 'OTHER'], series: [{ values: [5, 2, 1] }] });
    const buckets = [cancellationSummary('2026-12-01T00:00:00Z', 4, { abandoned: 3, other: 1 }), cancellationSummary('2026-12-02T00:00:00Z', 0, { abandoned: 0 })];
    const chart = overTimeChart(total, buckets, 'reason', 'day', (v) => v, 1, 'rest');
    expect(chart.series.map((s) => [s.name, s.values])).toEqual([
      ['abandoned', [3, 0]],
      ['rest', [1, 0]],
    ]);
    // No payments, no rate: a gap, not 0 %.
    expect(rateOverTime(buckets, 'day', 'rate').series[0]!.values).toEqual([1, null]);
  });
});

describe('alerts and incidents', () => {
  it('reads an alert’s value in the unit of its kind', () => {
    expect(valueKindOf('failure_rate')).toBe('rate');
    expect(valueKindOf('latency_p95')).toBe('duration');
    expect(valueKindOf('circuit_opened')).toBe('count');
  });

  it('counts incidents per merchant’s day with the mean time to recover of those that ended', () => {
    const range = dayRange('2026-12-05', '2026-12-06', 'Asia/Shanghai');
    const incident = (started_at: string, duration_ms: number | null): Incident => ({ id: started_at, kind: 'circuit_open', connector_account: 'ca_1', connector: 'card', payment_method_type: 'card', alert: null, started_at, ended_at: null, duration_ms });
    const { started, recovery } = incidentsPerDay(
      [incident('2026-12-05T15:59:00Z', 60_000), incident('2026-12-05T16:01:00Z', 120_000), incident('2026-12-05T20:00:00Z', null), incident('2026-12-06T01:00:00Z', 240_000)],
      range,
      'Asia/Shanghai',
      { started: 's', meanTimeToRecover: 'm' },
    );
    expect(started.times).toEqual(['2026-12-04T16:00:00.000Z', '2026-12-05T16:00:00.000Z']);
    expect(started.series[0]!.values).toEqual([1, 3]);
    expect(recovery.series[0]!.values).toEqual([60_000, 180_000]);
  });
});
