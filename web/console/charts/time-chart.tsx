/** Figures over time (lines, or bars when a series asks): the merchant's time zone on the axis. */
import { useMemo, type ReactNode } from 'react';
import { pick, useConsole } from '../context.ts';
import { ChartFrame } from './chart-frame.tsx';
import { timeSeriesOption, timeTable, type TimeChartData } from './shape.ts';
import { chartTexts } from './texts.ts';

/** Lines and bars: imported when the first time chart is on the screen (chart-frame.tsx), then kept by the browser. */
const loadEngine = () => import('./echarts-time.ts');

export interface TimeChartProps {
  title: string;
  data: TimeChartData;
  /** The currency of money values; the merchant's by default. */
  currency?: string;
  height?: number;
  extra?: ReactNode;
  testId?: string;
}

export function TimeChart({ title, data, currency, height, extra, testId }: TimeChartProps) {
  const { locale, merchant } = useConsole();
  const format = useMemo(() => ({ locale, timeZone: merchant.timeZone, currency: currency ?? merchant.currency }), [locale, merchant.timeZone, merchant.currency, currency]);
  const option = useMemo(() => timeSeriesOption(data, format), [data, format]);
  const table = useMemo(() => timeTable(data, format, pick(locale, chartTexts.time)), [data, format, locale]);
  return <ChartFrame engine={loadEngine} title={title} option={option} table={table} height={height} extra={extra} testId={testId} />;
}
