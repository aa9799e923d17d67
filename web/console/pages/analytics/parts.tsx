/** Pieces the analytics pages share: the page heading, the range picker in the merchant's days, a figure against the period before, an error with a retry. */
import { lastCalendarDays } from './overview-requests.ts';
import { Alert, Button, Card, DatePicker, Flex, Pagination, Statistic, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMemo, useState, type CSSProperties, type ReactNode } from 'react';
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
  const [chosen, setDays] = useState<DayRange>(() => lastCalendarDays(days, merchant.timeZone));
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

export interface DataColumn<T> {
  title: ReactNode;
  /** The row's field given to `render` as its first argument (and shown when there is no `render`). */
  dataIndex?: keyof T & string;
  // Columns render fields of many types; the row is typed.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  render?: (value: any, row: T) => ReactNode;
}

export interface DataTableProps<T> {
  /** What the table holds, for the region screen readers announce. */
  label: string;
  columns: readonly DataColumn<T>[];
  dataSource: readonly T[];
  rowKey: (keyof T & string) | ((row: T) => string);
  loading?: boolean;
  /** Rows per page; all on one page without it. */
  pageSize?: number;
  emptyText?: ReactNode;
  'data-testid'?: string;
}

/**
 * A plain, semantic table (column headings, one row per item) that scrolls
 * sideways inside a region the keyboard can reach, as a phone is narrower
 * than most tables. Not Ant Design's Table: that one measures the scroll bar
 * on mount by inserting a style element without the page's nonce, which the
 * console's Content-Security-Policy refuses.
 */
export function DataTable<T extends object>({ label, columns, dataSource, rowKey, loading = false, pageSize, emptyText, 'data-testid': testId }: DataTableProps<T>) {
  const { locale } = useConsole();
  const [page, setPage] = useState(1);
  const rows = pageSize ? dataSource.slice((page - 1) * pageSize, page * pageSize) : dataSource;
  const keyOf = (row: T) => (typeof rowKey === 'function' ? rowKey(row) : String(row[rowKey]));
  const cell: CSSProperties = { borderBottom: '1px solid #f0f0f0', padding: '6px 8px', textAlign: 'left', whiteSpace: 'nowrap', verticalAlign: 'top' };
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: 'auto', background: '#fff', borderRadius: 6, marginBottom: 8 }}>
      <table data-testid={testId} aria-busy={loading} style={{ width: '100%', borderCollapse: 'collapse', fontSize: 14 }}>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th key={index} scope="col" style={{ ...cell, background: '#fafafa', fontWeight: 600 }}>
                {column.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={keyOf(row)}>
              {columns.map((column, index) => {
                const value = column.dataIndex ? row[column.dataIndex] : undefined;
                return (
                  <td key={index} style={cell}>
                    {column.render ? column.render(value, row) : (value as ReactNode)}
                  </td>
                );
              })}
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} style={{ ...cell, textAlign: 'center', color: '#595959', whiteSpace: 'normal' }}>
                {loading ? pick(locale, common.loading) : (emptyText ?? pick(locale, common.empty))}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {pageSize && dataSource.length > pageSize && (
        <Pagination simple size="small" style={{ margin: 8 }} current={page} pageSize={pageSize} total={dataSource.length} onChange={setPage} />
      )}
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
