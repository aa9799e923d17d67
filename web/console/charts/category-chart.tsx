/** Figures per category (a reason, a channel, a decline code) as bars. */
import { useMemo, type ReactNode } from 'react';
import { useConsole } from '../context.ts';
import { ChartFrame } from './chart-frame.tsx';
import { categoryOption, categoryTable, type CategoryChartData } from './shape.ts';

/** Bars: imported when the first category chart is on the screen (chart-frame.tsx), then kept by the browser. */
const loadEngine = () => import('./echarts-category.ts');

export interface CategoryChartProps {
  title: string;
  /** The heading of the table's first column (what the categories are). */
  categoryHeading: string;
  data: CategoryChartData;
  currency?: string;
  height?: number;
  extra?: ReactNode;
  testId?: string;
}

export function CategoryChart({ title, categoryHeading, data, currency, height, extra, testId }: CategoryChartProps) {
  const { locale, merchant } = useConsole();
  const format = useMemo(() => ({ locale, timeZone: merchant.timeZone, currency: currency ?? merchant.currency }), [locale, merchant.timeZone, merchant.currency, currency]);
  const option = useMemo(() => categoryOption(data, format), [data, format]);
  const table = useMemo(() => categoryTable(data, format, categoryHeading), [data, format, categoryHeading]);
  const rows = data.horizontal ? data.categories.length : 0;
  return <ChartFrame engine={loadEngine} title={title} option={option} table={table} height={height ?? Math.max(220, rows * 28 + 60)} extra={extra} testId={testId} />;
}
