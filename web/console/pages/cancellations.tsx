/**
 * Cancellations: why payments were canceled (reason given, checkout stage
 * reached, who canceled, the cause detected from what preceded), as totals
 * and over time, and the records themselves. Reads
 * GET /v1/analytics/cancellations/summary (the range, then once per bucket)
 * and GET /v1/analytics/cancellations (the list, newest first).
 */
import { Button, Segmented, Space, Spin } from 'antd';
import { useMemo, useState } from 'react';
import { CategoryChart } from '../charts/category-chart.tsx';
import { formatValue } from '../charts/shape.ts';
import { TimeChart } from '../charts/time-chart.tsx';
import { pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime, formatMoney } from '../format.ts';
import { cancellationDimensions, overTimeChart, rateOverTime, totalsChart, type CancellationDimension, type CancellationSummary } from './analytics/cancellations-data.ts';
import { compare } from './analytics/figures.ts';
import { CardGrid, DataTable, FigureCard, LoadError, PageHeading, RangeChooser, useDayRange } from './analytics/parts.tsx';
import { bucketsOf, isoRange, previousRange } from './analytics/range.ts';
import { common, labelOf, methodNames, reasonNames, sourceNames, stageNames } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Cancellations', 'zh-CN': '取消分析', 'zh-TW': '取消分析' },
  cancellations: { en: 'Cancellations', 'zh-CN': '取消笔数', 'zh-TW': '取消筆數' },
  rate: { en: 'Cancellation rate', 'zh-CN': '取消率', 'zh-TW': '取消率' },
  by: { en: 'Group by', 'zh-CN': '分组依据', 'zh-TW': '分組依據' },
  reason: { en: 'Reason', 'zh-CN': '原因', 'zh-TW': '原因' },
  stage: { en: 'Stage', 'zh-CN': '阶段', 'zh-TW': '階段' },
  source: { en: 'Canceled by', 'zh-CN': '取消方', 'zh-TW': '取消方' },
  detected_cause: { en: 'Detected cause', 'zh-CN': '检测到的原因', 'zh-TW': '偵測到的原因' },
  totals: { en: 'Cancellations by', 'zh-CN': '取消分布：', 'zh-TW': '取消分布：' },
  overTime: { en: 'Over time, by', 'zh-CN': '趋势，按', 'zh-TW': '趨勢，按' },
  rateOverTime: { en: 'Cancellation rate over time', 'zh-CN': '取消率趋势', 'zh-TW': '取消率趨勢' },
  other: { en: 'Other', 'zh-CN': '其他', 'zh-TW': '其他' },
  list: { en: 'Canceled payments', 'zh-CN': '已取消的支付', 'zh-TW': '已取消的付款' },
  method: { en: 'Method', 'zh-CN': '支付方式', 'zh-TW': '付款方式' },
  comment: { en: 'Comment', 'zh-CN': '留言', 'zh-TW': '留言' },
  customer: { en: 'Customer (pseudonym)', 'zh-CN': '客户（化名）', 'zh-TW': '顧客（化名）' },
  canceledAt: { en: 'Canceled at', 'zh-CN': '取消时间', 'zh-TW': '取消時間' },
} satisfies Record<string, Localized>;

interface CancellationRecord {
  payment: string;
  amount: number;
  currency: string;
  payment_method_type: string | null;
  connector_account: string | null;
  stage: string;
  reason: string;
  comment: string | null;
  source: string;
  detected_cause: string;
  customer: string | null;
  payment_created_at: string;
  created_at: string;
}

interface CancellationsData {
  total: CancellationSummary;
  previous: CancellationSummary;
  buckets: CancellationSummary[];
  granularity: 'hour' | 'day';
}

/** Buckets asked for one at a time: keep the number of requests bounded. */
const bucketsMax = 14;

export default function CancellationsPage() {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const { days, range, setDays } = useDayRange(7);
  const [dimension, setDimension] = useState<CancellationDimension>('reason');

  const figures = useLoad<CancellationsData>(async () => {
    const { buckets, granularity } = bucketsOf(range, bucketsMax);
    const summary = (r: { from: Date; to: Date }) => api.get<CancellationSummary>('/v1/analytics/cancellations/summary', isoRange(r));
    const [total, previous, ...perBucket] = await Promise.all([summary(range), summary(previousRange(range)), ...buckets.map(summary)]);
    return { total: total!, previous: previous!, buckets: perBucket, granularity };
  }, [mode, range.from.getTime(), range.to.getTime()]);

  const labels: Record<CancellationDimension, Record<string, Localized>> = { reason: reasonNames, stage: stageNames, source: sourceNames, detected_cause: reasonNames };
  const label = (value: string) => labelOf(labels[dimension], value, locale);
  const data = figures.data;
  const charts = useMemo(() => {
    if (!data) return null;
    return {
      totals: totalsChart(data.total, dimension, label, t(texts.cancellations)),
      overTime: overTimeChart(data.total, data.buckets, dimension, data.granularity, label, 6, t(texts.other)),
      rate: rateOverTime(data.buckets, data.granularity, t(texts.rate)),
    };
    // `label` and `t` follow `locale` and `dimension`.
  }, [data, dimension, locale]);
  const format = { locale, timeZone: merchant.timeZone, currency: merchant.currency };

  return (
    <div data-testid="cancellations-page">
      <PageHeading title={t(texts.title)}>
        <RangeChooser value={days} onChange={setDays} />
        {figures.loading && <Spin size="small" aria-label={t(common.loading)} />}
      </PageHeading>
      {figures.error && <LoadError error={figures.error} onRetry={figures.reload} />}
      {data && charts && (
        <>
          <CardGrid>
            <FigureCard testId="figure-cancellations" higherIsWorse title={t(texts.cancellations)} value={formatValue(data.total.cancellations, 'count', format)} comparison={compare(data.total.cancellations, data.previous.cancellations, 'relative')} />
            <FigureCard
              testId="figure-cancellation-rate"
              higherIsWorse
              rateLike
              title={t(texts.rate)}
              value={formatValue(data.total.payments_created === 0 ? null : data.total.cancellation_rate, 'rate', format)}
              comparison={compare(data.total.payments_created === 0 ? null : data.total.cancellation_rate, data.previous.payments_created === 0 ? null : data.previous.cancellation_rate, 'difference')}
            />
          </CardGrid>
          <Space wrap style={{ marginBottom: 12 }}>
            <span id="dimension-label">{t(texts.by)}</span>
            <Segmented<CancellationDimension>
              aria-labelledby="dimension-label"
              data-testid="dimension-switch"
              value={dimension}
              onChange={setDimension}
              options={cancellationDimensions.map((value) => ({ value, label: t(texts[value]) }))}
            />
          </Space>
          <div style={{ display: 'grid', gap: 12, gridTemplateColumns: 'repeat(auto-fill, minmax(min(520px, 100%), 1fr))', marginBottom: 16 }}>
            <CategoryChart testId="chart-cancellations-totals" title={`${t(texts.totals)} ${t(texts[dimension])}`} categoryHeading={t(texts[dimension])} data={charts.totals} />
            <TimeChart testId="chart-cancellations-over-time" title={`${t(texts.overTime)} ${t(texts[dimension])}`} data={charts.overTime} />
            <TimeChart testId="chart-cancellation-rate" title={t(texts.rateOverTime)} data={charts.rate} />
          </div>
        </>
      )}
      <CancellationList range={range} />
    </div>
  );
}

function CancellationList({ range }: { range: { from: Date; to: Date } }) {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [more, setMore] = useState<{ rows: CancellationRecord[]; hasMore: boolean }>({ rows: [], hasMore: false });
  const first = useLoad(async () => {
    const page = await api.get<{ data: CancellationRecord[]; has_more: boolean }>('/v1/analytics/cancellations', { ...isoRange(range), limit: 25 });
    setMore({ rows: [], hasMore: page.has_more });
    return page.data;
  }, [mode, range.from.getTime(), range.to.getTime()]);
  const rows = [...(first.data ?? []), ...more.rows];

  async function loadMore() {
    const last = rows.at(-1);
    if (!last) return;
    const page = await api.get<{ data: CancellationRecord[]; has_more: boolean }>('/v1/analytics/cancellations', { ...isoRange(range), limit: 25, starting_after: last.payment });
    setMore({ rows: [...more.rows, ...page.data], hasMore: page.has_more });
  }

  return (
    <section aria-labelledby="cancellation-list-heading">
      <h3 id="cancellation-list-heading">{t(texts.list)}</h3>
      {first.error && <LoadError error={first.error} onRetry={first.reload} />}
      <DataTable<CancellationRecord>
        label={t(texts.list)}
        data-testid="cancellation-list"
        rowKey="payment"
        loading={first.loading}
        dataSource={rows}
        columns={[
          { title: t(common.payment), dataIndex: 'payment', render: (id: string) => <code>{id}</code> },
          { title: t(common.amount), render: (_, row) => formatMoney(row.amount, row.currency, locale) },
          { title: t(texts.method), render: (_, row) => labelOf(methodNames, row.payment_method_type, locale) },
          { title: t(texts.stage), render: (_, row) => labelOf(stageNames, row.stage, locale) },
          { title: t(texts.reason), render: (_, row) => labelOf(reasonNames, row.reason, locale) },
          { title: t(texts.source), render: (_, row) => labelOf(sourceNames, row.source, locale) },
          { title: t(texts.detected_cause), render: (_, row) => labelOf(reasonNames, row.detected_cause, locale) },
          { title: t(texts.comment), dataIndex: 'comment', render: (comment: string | null) => comment ?? '–' },
          { title: t(texts.customer), dataIndex: 'customer', render: (customer: string | null) => customer ?? '–' },
          { title: t(texts.canceledAt), render: (_, row) => formatDateTime(row.created_at, merchant.timeZone, locale) },
        ]}
      />
      {more.hasMore && (
        <Button style={{ marginTop: 8 }} onClick={loadMore} data-testid="cancellations-more">
          {t(common.more)}
        </Button>
      )}
    </section>
  );
}
