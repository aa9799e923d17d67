/**
 * Reconciliation: each run of a provider's statement against our records
 * (one per connector account and statement day) with its mismatches, and
 * what was repaired (a payment the provider shows paid that we still had
 * open, a refund it shows done): GET /console/api/reconciliation/runs and
 * /mismatches. Nothing here changes data; repairs happen in the run.
 */
import { Button, Segmented, Space } from 'antd';
import { useMemo, useState } from 'react';
import { CategoryChart } from '../charts/category-chart.tsx';
import type { CategoryChartData } from '../charts/shape.ts';
import { pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime, formatCount, formatMoney } from '../format.ts';
import { DataTable, LoadError, PageHeading, StatusTag } from './analytics/parts.tsx';
import { common, labelOf, methodNames } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Reconciliation', 'zh-CN': '对账', 'zh-TW': '對帳' },
  runs: { en: 'Runs', 'zh-CN': '对账记录', 'zh-TW': '對帳紀錄' },
  statementDate: { en: 'Statement day', 'zh-CN': '账单日期', 'zh-TW': '帳單日期' },
  mismatches: { en: 'Mismatches', 'zh-CN': '差异', 'zh-TW': '差異' },
  repaired: { en: 'Repaired', 'zh-CN': '已修复', 'zh-TW': '已修復' },
  unrepaired: { en: 'To look at', 'zh-CN': '待处理', 'zh-TW': '待處理' },
  firstSeen: { en: 'Found', 'zh-CN': '发现时间', 'zh-TW': '發現時間' },
  show: { en: 'Show mismatches', 'zh-CN': '查看差异', 'zh-TW': '檢視差異' },
  perRun: { en: 'Mismatches per run', 'zh-CN': '每次对账的差异', 'zh-TW': '每次對帳的差異' },
  run: { en: 'Run', 'zh-CN': '对账', 'zh-TW': '對帳' },
  kind: { en: 'Kind', 'zh-CN': '类型', 'zh-TW': '類型' },
  missing_here: { en: 'Paid at the provider, not here', 'zh-CN': '渠道有、本地无', 'zh-TW': '通路有、本地無' },
  missing_there: { en: 'Paid here, not at the provider', 'zh-CN': '本地有、渠道无', 'zh-TW': '本地有、通路無' },
  amount_differs: { en: 'Amounts differ', 'zh-CN': '金额不一致', 'zh-TW': '金額不一致' },
  status_differs: { en: 'Statuses differ', 'zh-CN': '状态不一致', 'zh-TW': '狀態不一致' },
  order: { en: 'Order number', 'zh-CN': '订单号', 'zh-TW': '訂單號' },
  refundNumber: { en: 'Refund number', 'zh-CN': '退款单号', 'zh-TW': '退款單號' },
  ours: { en: 'Our amount', 'zh-CN': '本地金额', 'zh-TW': '本地金額' },
  theirs: { en: 'Their amount', 'zh-CN': '渠道金额', 'zh-TW': '通路金額' },
  ourStatus: { en: 'Our status', 'zh-CN': '本地状态', 'zh-TW': '本地狀態' },
  whatWasDone: { en: 'What was done', 'zh-CN': '处理说明', 'zh-TW': '處理說明' },
  allRuns: { en: 'All runs', 'zh-CN': '全部对账', 'zh-TW': '全部對帳' },
  filter: { en: 'Show', 'zh-CN': '显示', 'zh-TW': '顯示' },
  none: { en: 'No reconciliation has found anything yet.', 'zh-CN': '尚无对账差异。', 'zh-TW': '尚無對帳差異。' },
} satisfies Record<string, Localized>;

interface Run {
  connector_account: string;
  connector: string;
  statement_date: string;
  mismatches: number;
  repaired: number;
  unrepaired: number;
  first_seen_at: string;
}

interface Mismatch {
  id: string;
  connector_account: string;
  statement_date: string;
  kind: 'missing_here' | 'missing_there' | 'amount_differs' | 'status_differs';
  order_number: string;
  refund_number: string | null;
  our_amount: number | null;
  their_amount: number | null;
  /** Both amounts' currency (the payment's); null when the payment is not ours (the channel shows one we have no record of). */
  currency: string | null;
  our_status: string | null;
  repaired: boolean;
  note: string | null;
  created_at: string;
}

type Page<T> = { data: T[]; has_more: boolean; next_starting_after?: string | null };

/** Repaired and still-to-look-at mismatches per run, newest run first. */
export function runsChart(runs: readonly Run[], names: { repaired: string; unrepaired: string }): CategoryChartData {
  const shown = runs.slice(0, 20);
  return {
    categories: shown.map((run) => `${run.statement_date} · ${run.connector_account}`),
    valueKind: 'count',
    horizontal: true,
    series: [
      { name: names.repaired, stack: 'mismatches', values: shown.map((run) => run.repaired) },
      { name: names.unrepaired, stack: 'mismatches', values: shown.map((run) => run.unrepaired) },
    ],
  };
}

export default function ReconciliationPage() {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const runs = useLoad(() => api.get<Page<Run>>('/console/api/reconciliation/runs', { mode, limit: 50 }), [mode]);
  const [run, setRun] = useState<Run | null>(null);
  const chart = useMemo(
    () => (runs.data ? runsChart(runs.data.data, { repaired: t(texts.repaired), unrepaired: t(texts.unrepaired) }) : null),
    // `t` follows `locale`.
    [runs.data, locale],
  );

  return (
    <div data-testid="reconciliation-page">
      <PageHeading title={t(texts.title)} />
      {runs.error && <LoadError error={runs.error} onRetry={runs.reload} />}
      {chart && chart.categories.length > 0 && (
        <div style={{ marginBottom: 16 }}>
          <CategoryChart testId="chart-reconciliation-runs" title={t(texts.perRun)} categoryHeading={t(texts.run)} data={chart} />
        </div>
      )}
      <section aria-labelledby="runs-heading">
        <h3 id="runs-heading">{t(texts.runs)}</h3>
        <DataTable<Run>
          label={t(texts.runs)}
          data-testid="reconciliation-runs"
          rowKey={(row) => `${row.connector_account}:${row.statement_date}`}
          loading={runs.loading}
          dataSource={runs.data?.data ?? []}
          emptyText={t(texts.none)}
          columns={[
            { title: t(texts.statementDate), dataIndex: 'statement_date' },
            { title: t(common.account), render: (_, row) => `${labelOf(methodNames, row.connector, locale)} · ${row.connector_account}` },
            { title: t(texts.mismatches), render: (_, row) => formatCount(row.mismatches, locale) },
            { title: t(texts.repaired), render: (_, row) => formatCount(row.repaired, locale) },
            { title: t(texts.unrepaired), render: (_, row) => (row.unrepaired > 0 ? <StatusTag tone="warning">{formatCount(row.unrepaired, locale)}</StatusTag> : '0') },
            { title: t(texts.firstSeen), render: (_, row) => formatDateTime(row.first_seen_at, merchant.timeZone, locale) },
            {
              title: t(common.actions),
              render: (_, row) => (
                <Button size="small" onClick={() => setRun(row)} aria-label={`${t(texts.show)} ${row.statement_date} ${row.connector_account}`}>
                  {t(texts.show)}
                </Button>
              ),
            },
          ]}
        />
      </section>
      <Mismatches run={run} onAll={() => setRun(null)} />
    </div>
  );
}

function Mismatches({ run, onAll }: { run: Run | null; onAll(): void }) {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [repaired, setRepaired] = useState<'all' | 'true' | 'false'>('all');
  const [more, setMore] = useState<{ rows: Mismatch[]; next: string | null }>({ rows: [], next: null });
  const query = {
    mode,
    connector_account: run?.connector_account,
    statement_date: run?.statement_date,
    repaired: repaired === 'all' ? undefined : repaired,
    limit: 50,
  };
  const first = useLoad(async () => {
    const page = await api.get<Page<Mismatch>>('/console/api/reconciliation/mismatches', query);
    setMore({ rows: [], next: page.has_more ? (page.next_starting_after ?? page.data.at(-1)?.id ?? null) : null });
    return page.data;
  }, [mode, run?.connector_account, run?.statement_date, repaired]);
  const rows = [...(first.data ?? []), ...more.rows];

  async function loadMore() {
    if (!more.next) return;
    const page = await api.get<Page<Mismatch>>('/console/api/reconciliation/mismatches', { ...query, starting_after: more.next });
    setMore({ rows: [...more.rows, ...page.data], next: page.has_more ? (page.next_starting_after ?? page.data.at(-1)?.id ?? null) : null });
  }

  // An amount with its payment's currency; a payment that is not ours has none to show, so its minor units are shown as counted.
  const amount = (value: number | null, currency: string | null) => (value === null ? '–' : currency === null ? formatCount(value, locale) : formatMoney(value, currency, locale));
  return (
    <section aria-labelledby="mismatches-heading" style={{ marginTop: 16 }}>
      <h3 id="mismatches-heading">
        {t(texts.mismatches)} · {run ? `${run.statement_date} · ${run.connector_account}` : t(texts.allRuns)}
      </h3>
      <Space wrap style={{ marginBottom: 8 }}>
        {run && <Button onClick={onAll}>{t(texts.allRuns)}</Button>}
        <span id="repaired-filter">{t(texts.filter)}</span>
        <Segmented
          aria-labelledby="repaired-filter"
          value={repaired}
          onChange={(value) => setRepaired(value as typeof repaired)}
          options={[
            { value: 'all', label: t(common.all) },
            { value: 'true', label: t(texts.repaired) },
            { value: 'false', label: t(texts.unrepaired) },
          ]}
        />
      </Space>
      {first.error && <LoadError error={first.error} onRetry={first.reload} />}
      <DataTable<Mismatch>
        label={t(texts.mismatches)}
        data-testid="reconciliation-mismatches"
        rowKey="id"
        loading={first.loading}
        dataSource={rows}
        columns={[
          { title: t(texts.statementDate), dataIndex: 'statement_date' },
          { title: t(texts.kind), render: (_, row) => t(texts[row.kind]) },
          { title: t(texts.order), dataIndex: 'order_number', render: (value: string) => <code>{value}</code> },
          { title: t(texts.refundNumber), dataIndex: 'refund_number', render: (value: string | null) => (value ? <code>{value}</code> : '–') },
          { title: t(texts.ours), render: (_, row) => amount(row.our_amount, row.currency) },
          { title: t(texts.theirs), render: (_, row) => amount(row.their_amount, row.currency) },
          { title: t(texts.ourStatus), dataIndex: 'our_status', render: (value: string | null) => value ?? '–' },
          { title: t(texts.repaired), render: (_, row) => (row.repaired ? <StatusTag tone="good">{t(common.yes)}</StatusTag> : <StatusTag tone="warning">{t(common.no)}</StatusTag>) },
          { title: t(texts.whatWasDone), dataIndex: 'note', render: (value: string | null) => value ?? '–' },
          { title: t(texts.firstSeen), render: (_, row) => formatDateTime(row.created_at, merchant.timeZone, locale) },
        ]}
      />
      {more.next && (
        <Button style={{ marginTop: 8 }} onClick={loadMore}>
          {t(common.more)}
        </Button>
      )}
    </section>
  );
}
