/**
 * What the console's own pages share: loading an answer with its error,
 * keyset pagination, a page title, and amounts, times and statuses written
 * in the member's language and the merchant's time zone.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Alert, Button, Radio, Space, Table, Tag, Typography, type TableProps } from 'antd';
import { useConsole, type ConsoleLocale, type Localized, type QueryValue } from './context.ts';
import { formatDateTime, formatMoney } from './format.ts';
import { l, useT } from './i18n.ts';
import { consolePath, navigate } from './router.ts';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** Runs `load` now and whenever `keys` change; a later answer replaces an earlier one, never the reverse. */
export function useLoad<T>(load: () => Promise<T>, keys: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const run = ++latest.current;
    setLoading(true);
    load().then(
      (value) => {
        if (run !== latest.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (caught: unknown) => {
        if (run !== latest.current) return;
        setError(caught instanceof Error ? caught.message : String(caught));
        setLoading(false);
      },
    );
    // `load` is a new closure on every render; what it reads is named in `keys`, so the effect depends on those.
  }, [...keys, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}

export interface ListAnswer<T> {
  data: T[];
  has_more: boolean;
  next_starting_after?: string | null;
  next_before_seq?: number | null;
  next_before?: string | null;
}

/**
 * Keyset pagination over a list answer: the cursors of the pages seen so far,
 * so "previous" goes back without offsets. `cursorParam` is what the route
 * calls its cursor; `nextCursor` reads it from an answer.
 */
export function useKeysetList<T>(path: string, query: Record<string, QueryValue>, options: { cursorParam: string; nextCursor(answer: ListAnswer<T>): string | number | null | undefined }) {
  const { api } = useConsole();
  const [cursors, setCursors] = useState<(string | number | null)[]>([null]);
  const queryKey = JSON.stringify(query);
  useEffect(() => setCursors([null]), [queryKey, path]);
  const cursor = cursors.at(-1) ?? null;
  const loaded = useLoad(() => api.get<ListAnswer<T>>(path, { ...query, [options.cursorParam]: cursor ?? undefined }), [path, queryKey, cursor]);
  const next = loaded.data && loaded.data.has_more ? (options.nextCursor(loaded.data) ?? null) : null;
  return {
    ...loaded,
    rows: loaded.data?.data ?? [],
    pageNumber: cursors.length,
    hasNext: next !== null,
    hasPrevious: cursors.length > 1,
    next: () => next !== null && setCursors([...cursors, next]),
    previous: () => setCursors(cursors.slice(0, -1)),
    first: () => setCursors([null]),
  };
}

const pagerTexts = {
  previous: l('Previous page', '上一页', '上一頁'),
  next: l('Next page', '下一页', '下一頁'),
  page: l('Page {n}', '第 {n} 页', '第 {n} 頁'),
} satisfies Record<string, Localized>;

export function KeysetPager({ list }: { list: { pageNumber: number; hasNext: boolean; hasPrevious: boolean; next(): void; previous(): void } }) {
  const { locale } = useConsole();
  return (
    <Space style={{ marginTop: 12 }} wrap>
      <Button disabled={!list.hasPrevious} onClick={list.previous} data-testid="page-previous">
        {pagerTexts.previous[locale]}
      </Button>
      <Typography.Text>{pagerTexts.page[locale].replace('{n}', String(list.pageNumber))}</Typography.Text>
      <Button disabled={!list.hasNext} onClick={list.next} data-testid="page-next">
        {pagerTexts.next[locale]}
      </Button>
    </Space>
  );
}

export function PageTitle({ children, extra }: { children: ReactNode; extra?: ReactNode }) {
  return (
    <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', justifyContent: 'space-between', gap: 8, marginBottom: 16 }}>
      <Typography.Title level={1} className="console-page-title" style={{ fontSize: 22, marginBottom: 0 }}>
        {children}
      </Typography.Title>
      {extra}
    </div>
  );
}

export function LoadError({ error, reload }: { error: string | null; reload?: () => void }) {
  const t = useT();
  if (!error) return null;
  return <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} action={reload ? <Button size="small" onClick={reload}>{t('retry')}</Button> : undefined} data-testid="load-error" />;
}

/** Writers bound to the member's language and the merchant's zone. */
export function useFormats() {
  const { locale, merchant } = useConsole();
  return {
    money: (minor: number | null | undefined, currency: string) => (minor === null || minor === undefined ? '–' : formatMoney(minor, currency, locale)),
    time: (iso: string | null | undefined) => (iso ? formatDateTime(iso, merchant.timeZone, locale) : '–'),
  };
}

/** Minor units per major unit of a currency (100 for CNY, 1 for JPY). */
export function minorPerMajor(currency: string): number {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return 10 ** digits;
}

/** A major-unit amount typed by a member ("12.34") → minor units, or null when it is not an amount. */
export function parseMajor(text: string | number | null | undefined, currency: string): number | null {
  if (text === null || text === undefined || text === '') return null;
  const value = typeof text === 'number' ? text : Number(String(text).replace(/[,\s]/g, ''));
  if (!Number.isFinite(value) || value < 0) return null;
  return Math.round(value * minorPerMajor(currency));
}

export const paymentStatusTexts: Record<string, Localized> = {
  requires_payment_method: l('Awaiting payment', '待支付', '待付款'),
  requires_confirmation: l('Awaiting confirmation', '待确认', '待確認'),
  requires_action: l('Awaiting payer', '待付款人操作', '待付款人操作'),
  processing: l('Processing', '处理中', '處理中'),
  requires_capture: l('Authorized', '已授权待请款', '已授權待請款'),
  succeeded: l('Succeeded', '成功', '成功'),
  canceled: l('Canceled', '已取消', '已取消'),
};

/**
 * Tag colours dark enough for white text at WCAG's 4.5:1 (Ant Design's preset
 * colours put light text on light backgrounds, which falls short).
 */
export const tagColors = { green: '#1a7f37', blue: '#1f5fbf', gold: '#8a5a00', red: '#b42318', grey: '#595959' } as const;

const statusColors: Record<string, string> = {
  succeeded: tagColors.green,
  canceled: tagColors.grey,
  requires_capture: tagColors.blue,
  processing: tagColors.gold,
  failed: tagColors.red,
  pending: tagColors.gold,
  sent: tagColors.green,
  delivered: tagColors.green,
};

export function StatusTag({ status, texts }: { status: string; texts?: Record<string, Localized> }) {
  const { locale } = useConsole();
  const label = (texts ?? paymentStatusTexts)[status]?.[locale] ?? status;
  return <Tag color={statusColors[status] ?? tagColors.grey}>{label}</Tag>;
}

export const methodTexts: Record<string, Localized> = {
  card: l('Card', '银行卡', '銀行卡'),
  alipay: l('Alipay', '支付宝', '支付寶'),
  wechat_pay: l('WeChat Pay', '微信支付', '微信支付'),
  unionpay: l('UnionPay', '银联', '銀聯'),
  wallet: l('Wallet', '钱包', '錢包'),
};

export function methodLabel(method: string | null | undefined, locale: ConsoleLocale): string {
  if (!method) return '–';
  return methodTexts[method]?.[locale] ?? method;
}

/** A link inside the console that keeps the page (no reload). */
export function ConsoleLink({ page, id, children, testId }: { page: string; id?: string | null; children: ReactNode; testId?: string }) {
  const href = consolePath(page, id);
  return (
    <a
      href={href}
      data-testid={testId}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

export interface Section {
  key: string;
  label: string;
  children: ReactNode;
}

/**
 * Sections of a page, one shown at a time, chosen with buttons that wrap on a
 * phone (Ant Design's tabs hide what does not fit behind a menu inside the
 * tab list, which screen readers are not told about).
 */
export function Sections({ items, label, testId }: { items: Section[]; label: string; testId?: string }) {
  const [selected, setSelected] = useState(items[0]?.key ?? '');
  const current = items.find((item) => item.key === selected) ?? items[0];
  return (
    <div data-testid={testId}>
      <Radio.Group
        aria-label={label}
        value={current?.key}
        onChange={(event) => setSelected(event.target.value as string)}
        optionType="button"
        style={{ display: 'flex', flexWrap: 'wrap', rowGap: 8, marginBottom: 16 }}
        options={items.map((item) => ({ value: item.key, label: item.label }))}
      />
      {current?.children}
    </div>
  );
}

/**
 * A table that scrolls sideways inside a box the keyboard can reach (a phone
 * shows wide tables this way): Ant Design's own scrolling box takes no focus,
 * so keyboard users could not scroll it.
 */
export function ConsoleTable<T extends object>({ minWidth, ...props }: TableProps<T> & { minWidth: number }) {
  return (
    <div className="console-table-scroll" tabIndex={0}>
      <div style={{ minWidth }}>
        <Table<T> {...props} />
      </div>
    </div>
  );
}
