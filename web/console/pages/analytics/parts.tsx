/** Pieces the analytics pages share: the page heading, the range picker in the merchant's days, a figure against the period before, an error with a retry. */
import { Alert, Button, Card, DatePicker, Flex, Statistic, Table, Tag, Typography, type TableProps } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMemo, useState, type ReactNode } from 'react';
import { pick, useConsole, type ConsoleLocale } from '../../context.ts';
import { formatRate } from '../../format.ts';
import type { Comparison } from './figures.ts';
import { addDays, dayIn, dayRange, type Range } from './range.ts';
import { common } from './texts.ts';

export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Flex wrap gap={12} align="center" justify="space-between" style={{ marginBottom: 16 }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {title}
      </Typography.Title>
      <Flex wrap gap={8} align="center">
        {children}
      </Flex>
    </Flex>
  );
}

export interface DayRange {
  firstDay: string;
  lastDay: string;
}

/** The chosen days (merchant's calendar) and the instants they span. */
export function useDayRange(days: number): { days: DayRange; range: Range; setDays(next: DayRange): void } {
  const { merchant } = useConsole();
  const [chosen, setDays] = useState<DayRange>(() => {
    const today = dayIn(new Date(), merchant.timeZone);
    return { firstDay: addDays(today, 1 - days), lastDay: today };
  });
  const range = useMemo(() => dayRange(chosen.firstDay, chosen.lastDay, merchant.timeZone), [chosen, merchant.timeZone]);
  return { days: chosen, range, setDays };
}

/** Ant Design's RangePicker over the merchant's calendar days, with the usual presets. */
export function RangeChooser({ value, onChange, maxDays = 366 }: { value: DayRange; onChange(next: DayRange): void; maxDays?: number }) {
  const { locale, merchant } = useConsole();
  const today = dayIn(new Date(), merchant.timeZone);
  const preset = (label: string, days: number) => ({ label, value: [dayjs(addDays(today, 1 - days)), dayjs(today)] as [Dayjs, Dayjs] });
  return (
    <DatePicker.RangePicker
      data-testid="range-picker"
      allowClear={false}
      value={[dayjs(value.firstDay), dayjs(value.lastDay)]}
      placeholder={[pick(locale, common.startDate), pick(locale, common.endDate)]}
      presets={[preset(pick(locale, common.today), 1), preset(pick(locale, common.last7), 7), preset(pick(locale, common.last30), 30), preset(pick(locale, common.last90), 90)]}
      disabledDate={(date, info) => {
        if (date.format('YYYY-MM-DD') > today) return true;
        const from = info?.from;
        return from ? Math.abs(date.diff(from, 'day')) >= maxDays : false;
      }}
      onChange={(dates) => {
        const [first, last] = dates ?? [];
        if (first && last) onChange({ firstDay: first.format('YYYY-MM-DD'), lastDay: last.format('YYYY-MM-DD') });
      }}
    />
  );
}

/** "+3.2 %" for counts and amounts, "+1.4 pts" for rates and scores; null: nothing to compare. */
export function changeText(comparison: Comparison, locale: ConsoleLocale, rateLike: boolean): string {
  if (comparison.change === null) return pick(locale, common.noPrevious);
  const sign = comparison.change > 0 ? '+' : comparison.change < 0 ? '−' : '±';
  const magnitude = Math.abs(comparison.change);
  if (comparison.mode === 'relative') return `${sign}${formatRate(magnitude, locale)}`;
  const points = rateLike ? magnitude * 100 : magnitude;
  return `${sign}${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(points)} ${pick(locale, common.points)}`;
}

export interface FigureCardProps {
  title: string;
  value: string;
  comparison: Comparison;
  /** A rise is bad news (cancellations, refunds). */
  higherIsWorse?: boolean;
  /** The figure is a share from 0 to 1 (its change is in percentage points). */
  rateLike?: boolean;
  testId?: string;
}

export function FigureCard({ title, value, comparison, higherIsWorse = false, rateLike = false, testId }: FigureCardProps) {
  const { locale } = useConsole();
  const change = comparison.change;
  const good = change === null || change === 0 ? null : change > 0 !== higherIsWorse;
  // Colours with enough contrast on white (WCAG AA for small text).
  const color = good === null ? '#595959' : good ? '#237804' : '#a8071a';
  return (
    <Card size="small" data-testid={testId}>
      <Statistic title={title} value={value} />
      <div style={{ color, fontSize: 12 }}>
        {changeText(comparison, locale, rateLike)} <span style={{ color: '#595959' }}>{change === null ? '' : pick(locale, common.previousPeriod)}</span>
      </div>
    </Card>
  );
}

export function LoadError({ error, onRetry }: { error: Error; onRetry(): void }) {
  const { locale } = useConsole();
  return (
    <Alert
      type="error"
      showIcon
      style={{ marginBottom: 16 }}
      title={pick(locale, common.loadFailed)}
      description={error.message}
      action={
        <Button size="small" onClick={onRetry}>
          {pick(locale, common.retry)}
        </Button>
      }
    />
  );
}

/** A responsive grid of cards: one column on a phone, up to `columns` on a desk. */
export function CardGrid({ children, min = 220 }: { children: ReactNode; min?: number }) {
  return <div style={{ display: 'grid', gap: 12, gridTemplateColumns: `repeat(auto-fill, minmax(min(${min}px, 100%), 1fr))`, marginBottom: 16 }}>{children}</div>;
}

/**
 * Ant Design's table, scrolling sideways inside a region a keyboard can
 * reach (a phone is narrower than most tables), with an empty text dark
 * enough to read.
 */
export function DataTable<T extends object>({ label, locale: tableLocale, ...props }: TableProps<T> & { label: string }) {
  const { locale } = useConsole();
  const given = tableLocale?.emptyText;
  const empty = given === undefined || typeof given === 'function' ? pick(locale, common.empty) : given;
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: 'auto' }}>
      <Table<T> size="small" pagination={false} {...props} locale={{ ...tableLocale, emptyText: <span style={{ color: '#595959' }}>{empty}</span> }} />
    </div>
  );
}

/** Dark enough for white text (WCAG AA): Ant Design's light preset tags are not. */
const tones = { good: '#237804', warning: '#874d00', bad: '#a8071a', neutral: '#434343' } as const;

export function StatusTag({ tone, children, testId }: { tone: keyof typeof tones; children: ReactNode; testId?: string }) {
  return (
    <Tag color={tones[tone]} data-testid={testId}>
      {children}
    </Tag>
  );
}
