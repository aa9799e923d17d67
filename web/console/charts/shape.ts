/**
 * What a chart shows, as plain data, and the two ways it is shown: an
 * ECharts option (drawn on a canvas, which screen readers cannot read) and a
 * table with the same figures (which they can). Both come from one
 * description so they never disagree. Pure: no ECharts runtime, no React, so
 * the shaping is unit-tested in Node.
 *
 * Values are written the way the console writes them everywhere: amounts in
 * major units with the currency, rates as percentages, durations in words,
 * and every time in the merchant's time zone (ECharts' own time axis would
 * use the browser's, so a time axis here is a category axis of labels
 * already written in the merchant's zone).
 */
import type { ConsoleLocale } from '../context.ts';
import { formatCount, formatDuration, formatMoney, formatRate } from '../format.ts';

/** How a series' numbers are to be read. */
export type ValueKind = 'money' | 'rate' | 'duration' | 'count' | 'score';

export interface ChartFormat {
  locale: ConsoleLocale;
  timeZone: string;
  /** The currency of `money` values (minor units). */
  currency: string;
}

export interface SeriesSpec {
  name: string;
  /** One value per point (time bucket or category); null where there is nothing to show. */
  values: readonly (number | null)[];
  /** Drawn as a line (default for time charts) or bars (default for category charts). */
  type?: 'line' | 'bar';
  /** Bars of the same stack are piled up. */
  stack?: string;
}

export interface TimeChartData {
  /** The start of each bucket, ISO 8601. */
  times: readonly string[];
  granularity: 'hour' | 'day';
  series: readonly SeriesSpec[];
  valueKind: ValueKind;
}

export interface CategoryChartData {
  categories: readonly string[];
  series: readonly SeriesSpec[];
  valueKind: ValueKind;
  /** Bars along the vertical axis: long labels (decline codes, reasons) stay readable on a phone. */
  horizontal?: boolean;
}

export interface TableView {
  /** Column headings: what the points are, then one per series. */
  head: string[];
  rows: string[][];
}

/** One value as people read it; null (nothing to divide, no data) is a dash. */
export function formatValue(value: number | null | undefined, kind: ValueKind, format: ChartFormat): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  switch (kind) {
    case 'money':
      return formatMoney(value, format.currency, format.locale);
    case 'rate':
      return formatRate(value, format.locale);
    case 'duration':
      return formatDuration(value, format.locale);
    case 'count':
      return formatCount(value, format.locale);
    case 'score':
      return new Intl.NumberFormat(format.locale, { maximumFractionDigits: 2 }).format(value);
  }
}

/** A shorter form for axis ticks: whole percentages, compact counts and amounts. */
export function formatAxisValue(value: number, kind: ValueKind, format: ChartFormat): string {
  switch (kind) {
    case 'rate':
      return formatRate(value, format.locale, 0);
    case 'money': {
      const digits = new Intl.NumberFormat('en', { style: 'currency', currency: format.currency }).resolvedOptions().maximumFractionDigits ?? 2;
      return new Intl.NumberFormat(format.locale, { style: 'currency', currency: format.currency, notation: 'compact', maximumFractionDigits: 1 }).format(value / 10 ** digits);
    }
    case 'duration':
      return formatDuration(value, format.locale);
    case 'count':
    case 'score':
      return new Intl.NumberFormat(format.locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
  }
}

/** One formatter per time zone, made once: every bucket of every chart and table is formatted with it, and making one costs far more than using it. */
const bucketFormats = new Map<string, Intl.DateTimeFormat>();

/** A bucket's start in the merchant's zone: "12-06 14:00" for hours, "2026-12-06" for days. */
export function formatBucket(iso: string, granularity: 'hour' | 'day', format: ChartFormat): string {
  let formatter = bucketFormats.get(format.timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone: format.timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    bucketFormats.set(format.timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  if (granularity === 'day') return `${part('year')}-${part('month')}-${part('day')}`;
  return `${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

export function timeTable(data: TimeChartData, format: ChartFormat, timeHeading: string): TableView {
  return {
    head: [timeHeading, ...data.series.map((s) => s.name)],
    rows: data.times.map((time, index) => [formatBucket(time, data.granularity, format), ...data.series.map((s) => formatValue(s.values[index], data.valueKind, format))]),
  };
}

export function categoryTable(data: CategoryChartData, format: ChartFormat, categoryHeading: string): TableView {
  return {
    head: [categoryHeading, ...data.series.map((s) => s.name)],
    rows: data.categories.map((category, index) => [category, ...data.series.map((s) => formatValue(s.values[index], data.valueKind, format))]),
  };
}

/** The part of an ECharts option this module writes (kept loose: ECharts' own types are far wider). */
export type ChartOption = Record<string, unknown>;

interface TooltipParam {
  seriesName?: string;
  value?: unknown;
  marker?: unknown;
  axisValueLabel?: string;
  name?: string;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Series names and categories come from data (decline codes, account ids): never HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

/** The hover box: the point's label, then each series with its exact value. */
export function tooltipText(params: TooltipParam | TooltipParam[], kind: ValueKind, format: ChartFormat): string {
  const list = Array.isArray(params) ? params : [params];
  const first = list[0];
  const heading = first?.axisValueLabel ?? first?.name ?? '';
  const lines = list.map((p) => {
    const value = typeof p.value === 'number' ? p.value : Array.isArray(p.value) ? Number(p.value.at(-1)) : null;
    const marker = typeof p.marker === 'string' ? p.marker : '';
    return `${marker}${escapeHtml(p.seriesName ?? '')}: <b>${escapeHtml(formatValue(value, kind, format))}</b>`;
  });
  return [`<div>${escapeHtml(heading)}</div>`, ...lines].join('<br/>');
}

/** The smallest step between ticks: a whole count, a whole major unit of money (never ticks of a fen or a cent). */
function minimumInterval(kind: ValueKind, format: ChartFormat): number | undefined {
  if (kind === 'count') return 1;
  if (kind === 'money') return 10 ** (new Intl.NumberFormat('en', { style: 'currency', currency: format.currency }).resolvedOptions().maximumFractionDigits ?? 2);
  return undefined;
}

function valueAxis(kind: ValueKind, format: ChartFormat): ChartOption {
  return {
    type: 'value',
    minInterval: minimumInterval(kind, format),
    ...(kind === 'rate' ? { min: 0, max: (extent: { max: number }) => (extent.max > 0.5 ? 1 : null) } : {}),
    axisLabel: { formatter: (value: number) => formatAxisValue(value, kind, format) },
  };
}

const palette = ['#1677ff', '#52c41a', '#fa8c16', '#eb2f96', '#722ed1', '#13c2c2', '#fadb14', '#8c8c8c', '#a0d911', '#2f54eb'];

export function timeSeriesOption(data: TimeChartData, format: ChartFormat): ChartOption {
  return {
    color: palette,
    animation: false,
    grid: { left: 8, right: 16, top: data.series.length > 1 ? 40 : 16, bottom: 8, containLabel: true },
    legend: data.series.length > 1 ? { type: 'scroll', top: 0 } : undefined,
    tooltip: { trigger: 'axis', confine: true, formatter: (params: TooltipParam[]) => tooltipText(params, data.valueKind, format) },
    xAxis: { type: 'category', boundaryGap: data.series.some((s) => s.type === 'bar'), data: data.times.map((t) => formatBucket(t, data.granularity, format)) },
    yAxis: valueAxis(data.valueKind, format),
    series: data.series.map((s) => ({
      name: s.name,
      type: s.type ?? 'line',
      stack: s.stack,
      showSymbol: data.times.length <= 48,
      connectNulls: false,
      data: [...s.values],
    })),
  };
}

export function categoryOption(data: CategoryChartData, format: ChartFormat): ChartOption {
  // Long names (account ids, reasons) are cut on the axis, never the plot: the hover box and the table have them whole.
  const categoryAxis = {
    type: 'category',
    data: [...data.categories],
    axisLabel: data.horizontal ? { interval: 0, width: 110, overflow: 'truncate' } : { interval: 0, hideOverlap: true, width: 90, overflow: 'truncate' },
    inverse: data.horizontal === true,
  };
  const baseValues = valueAxis(data.valueKind, format);
  const values = data.horizontal ? { ...baseValues, splitNumber: 3, axisLabel: { ...(baseValues.axisLabel as object), hideOverlap: true } } : baseValues;
  return {
    color: palette,
    animation: false,
    grid: { left: 8, right: 16, top: data.series.length > 1 ? 40 : 16, bottom: 8, containLabel: true },
    legend: data.series.length > 1 ? { type: 'scroll', top: 0 } : undefined,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, formatter: (params: TooltipParam[]) => tooltipText(params, data.valueKind, format) },
    xAxis: data.horizontal ? values : categoryAxis,
    yAxis: data.horizontal ? categoryAxis : values,
    series: data.series.map((s) => ({ name: s.name, type: s.type ?? 'bar', stack: s.stack, data: [...s.values] })),
  };
}
