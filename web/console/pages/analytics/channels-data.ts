/**
 * The channels page's figures (GET /console/api/channels) shaped for its
 * charts: success rate per channel over time, one channel's latency
 * percentiles and decline codes over time, and the totals per channel. Pure.
 */
import type { CategoryChartData, TimeChartData } from '../../charts/shape.ts';
import { topCounts } from './figures.ts';

export interface ChannelNumbers {
  attempts: number;
  attempts_succeeded: number;
  success_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  decline_codes: Record<string, number>;
}

export interface ChannelSeries {
  payment_method_type: string;
  connector_account: string | null;
  connector: string | null;
  totals: ChannelNumbers;
  series: ({ from: string; to: string } & ChannelNumbers)[];
}

export interface ChannelFiguresAnswer {
  object: 'channel_figures';
  from: string;
  to: string;
  granularity: 'hour' | 'day';
  channels: ChannelSeries[];
}

/** A channel is a payment method at one connector account (the wallet has none). */
export function channelKey(channel: Pick<ChannelSeries, 'payment_method_type' | 'connector_account'>): string {
  return `${channel.payment_method_type}:${channel.connector_account ?? ''}`;
}

export type ChannelLabel = (channel: Pick<ChannelSeries, 'payment_method_type' | 'connector_account'>) => string;

function timesOf(answer: ChannelFiguresAnswer): string[] {
  return answer.channels[0]?.series.map((bucket) => bucket.from) ?? [];
}

export function successRateOverTime(answer: ChannelFiguresAnswer, label: ChannelLabel): TimeChartData {
  return {
    times: timesOf(answer),
    granularity: answer.granularity,
    valueKind: 'rate',
    series: answer.channels.map((channel) => ({ name: label(channel), values: channel.series.map((bucket) => bucket.success_rate) })),
  };
}

export function latencyOverTime(channel: ChannelSeries, granularity: 'hour' | 'day', names: { p50: string; p95: string; p99: string }): TimeChartData {
  return {
    times: channel.series.map((bucket) => bucket.from),
    granularity,
    valueKind: 'duration',
    series: (['p50', 'p95', 'p99'] as const).map((p) => ({ name: names[p], values: channel.series.map((bucket) => bucket.latency_ms[p]) })),
  };
}

/** The channel's most frequent decline codes over the range, stacked per bucket (the rest as one "other" series). */
export function declinesOverTime(channel: ChannelSeries, granularity: 'hour' | 'day', codesMax: number, otherName: string): TimeChartData {
  const top = topCounts(channel.totals.decline_codes, codesMax).keys;
  const series = top.map((code) => ({ name: code, type: 'bar' as const, stack: 'declines', values: channel.series.map((bucket) => bucket.decline_codes[code] ?? 0) }));
  const rest = channel.series.map((bucket) => Object.entries(bucket.decline_codes).reduce((sum, [code, count]) => (top.includes(code) ? sum : sum + count), 0));
  if (rest.some((count) => count > 0)) series.push({ name: otherName, type: 'bar', stack: 'declines', values: rest });
  return { times: channel.series.map((bucket) => bucket.from), granularity, valueKind: 'count', series };
}

export function latencyByChannel(answer: ChannelFiguresAnswer, label: ChannelLabel, names: { p50: string; p95: string; p99: string }): CategoryChartData {
  return {
    categories: answer.channels.map(label),
    valueKind: 'duration',
    horizontal: true,
    series: (['p50', 'p95', 'p99'] as const).map((p) => ({ name: names[p], values: answer.channels.map((channel) => channel.totals.latency_ms[p]) })),
  };
}

export function successByChannel(answer: ChannelFiguresAnswer, label: ChannelLabel, name: string): CategoryChartData {
  return { categories: answer.channels.map(label), valueKind: 'rate', horizontal: true, series: [{ name, values: answer.channels.map((channel) => channel.totals.success_rate) }] };
}

/** Decline codes summed over the chosen channels, most frequent first. */
export function declineCodes(channels: readonly ChannelSeries[], codesMax: number, name: string): CategoryChartData {
  const sum: Record<string, number> = {};
  for (const channel of channels) for (const [code, count] of Object.entries(channel.totals.decline_codes)) sum[code] = (sum[code] ?? 0) + count;
  const top = topCounts(sum, codesMax);
  return { categories: top.keys, valueKind: 'count', horizontal: true, series: [{ name, values: top.values }] };
}
