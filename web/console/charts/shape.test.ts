import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ChartTable } from './chart-table.tsx';
import { categoryOption, categoryTable, escapeHtml, formatBucket, formatValue, timeSeriesOption, timeTable, tooltipText, type ChartFormat, type TimeChartData } from './shape.ts';

const shanghai: ChartFormat = { locale: 'en', timeZone: 'Asia/Shanghai', currency: 'CNY' };

const hourly: TimeChartData = {
  times: ['2026-12-05T16:00:00.000Z', '2026-12-05T17:00:00.000Z'],
  granularity: 'hour',
  valueKind: 'money',
  series: [{ name: 'Volume', values: [123_45, null] }],
};

describe('chart values', () => {
  it('writes amounts in major units with the currency, rates as percentages, durations in words, nothing as a dash', () => {
    expect(formatValue(123_45, 'money', shanghai)).toBe('CN¥123.45');
    expect(formatValue(1234, 'money', { ...shanghai, currency: 'JPY' })).toBe('¥1,234');
    expect(formatValue(0.9731, 'rate', shanghai)).toBe('97.3%');
    expect(formatValue(2_400, 'duration', shanghai)).toBe('2.4 sec');
    expect(formatValue(200_000, 'duration', shanghai)).toBe('3 min 20 sec');
    expect(formatValue(null, 'rate', shanghai)).toBe('–');
    expect(formatValue(Number.NaN, 'count', shanghai)).toBe('–');
    expect(formatValue(12_345, 'count', { ...shanghai, locale: 'zh-CN' })).toBe('12,345');
  });

  it('labels a bucket in the merchant’s time zone, not UTC nor the browser’s', () => {
    // 16:00 UTC on the 5th is midnight on the 6th in Shanghai.
    expect(formatBucket('2026-12-05T16:00:00.000Z', 'hour', shanghai)).toBe('12-06 00:00');
    expect(formatBucket('2026-12-05T16:00:00.000Z', 'day', shanghai)).toBe('2026-12-06');
    expect(formatBucket('2026-12-05T16:00:00.000Z', 'day', { ...shanghai, timeZone: 'America/New_York' })).toBe('2026-12-05');
  });
});

describe('time chart option', () => {
  it('puts the merchant’s times on a category axis and the exact values in the hover box', () => {
    const option = timeSeriesOption(hourly, shanghai) as any;
    expect(option.xAxis.data).toEqual(['12-06 00:00', '12-06 01:00']);
    expect(option.series[0]).toMatchObject({ name: 'Volume', type: 'line', data: [123_45, null] });
    const hover = option.tooltip.formatter([{ seriesName: 'Volume', value: 123_45, marker: '', axisValueLabel: '12-06 00:00' }]);
    expect(hover).toContain('12-06 00:00');
    expect(hover).toContain('CN¥123.45');
    expect(option.yAxis.axisLabel.formatter(500_000)).toBe('CN¥5K');
  });

  it('keeps rates between 0 and 100 % on the axis and writes them as percentages', () => {
    const option = timeSeriesOption({ ...hourly, valueKind: 'rate', series: [{ name: 'Success', values: [0.9, 0.95] }] }, shanghai) as any;
    expect(option.yAxis.min).toBe(0);
    expect(option.yAxis.axisLabel.formatter(0.5)).toBe('50%');
  });

  it('shows a legend only when there are several series', () => {
    expect((timeSeriesOption(hourly, shanghai) as any).legend).toBeUndefined();
    expect((timeSeriesOption({ ...hourly, series: [...hourly.series, { name: 'Other', values: [1, 2] }] }, shanghai) as any).legend).toBeDefined();
  });

  it('never lets a name from the data become HTML in the hover box', () => {
    const hover = tooltipText([{ seriesName: '<img src=x onerror=alert(1)>', value: 1, axisValueLabel: 'a&b' }], 'count', shanghai);
    expect(hover).not.toContain('<img');
    expect(hover).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(hover).toContain('a&amp;b');
    expect(escapeHtml(`"'`)).toBe('&quot;&#39;');
  });
});

describe('table view', () => {
  it('has the same figures as the chart: one row per bucket, one column per series', () => {
    expect(timeTable(hourly, shanghai, 'Time')).toEqual({ head: ['Time', 'Volume'], rows: [['12-06 00:00', 'CN¥123.45'], ['12-06 01:00', '–']] });
    const categories = { categories: ['card · ca_1', 'alipay · ca_2'], valueKind: 'rate' as const, horizontal: true, series: [{ name: 'p', values: [0.5, null] }] };
    expect(categoryTable(categories, shanghai, 'Channel')).toEqual({ head: ['Channel', 'p'], rows: [['card · ca_1', '50.0%'], ['alipay · ca_2', '–']] });
    const option = categoryOption(categories, shanghai) as any;
    expect(option.yAxis.data).toEqual(['card · ca_1', 'alipay · ca_2']);
    expect(option.xAxis.type).toBe('value');
  });

  it('renders as a table screen readers can navigate: column headings, a row heading per point, labelled by the chart’s title', () => {
    const html = renderToStaticMarkup(createElement(ChartTable, { table: timeTable(hourly, shanghai, 'Time'), labelledBy: 'chart-title', testId: 't' }));
    expect(html).toContain('aria-labelledby="chart-title"');
    expect(html.match(/<th[^>]*scope="col"[^>]*>/g)).toHaveLength(2);
    expect(html.match(/<th[^>]*scope="row"[^>]*>/g)).toHaveLength(2);
    expect(html).toContain('>12-06 00:00</th>');
    expect(html).toContain('>CN¥123.45</td>');
    // Escaped by React, whatever the data holds.
    const hostile = renderToStaticMarkup(createElement(ChartTable, { table: { head: ['<b>x</b>'], rows: [] }, labelledBy: 'x' }));
    expect(hostile).not.toContain('<b>x</b>');
  });
});
