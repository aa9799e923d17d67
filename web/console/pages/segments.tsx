/**
 * Segments: the merchant's customers grouped by how they pay (k-means, on
 * the server: GET /v1/analytics/customer_segments), each segment's size,
 * what sets it apart, its centre, and its customers.
 */
import { Card, Descriptions, Select, Space, Spin, Tag } from 'antd';
import { useMemo, useState } from 'react';
import { CategoryChart } from '../charts/category-chart.tsx';
import type { CategoryChartData } from '../charts/shape.ts';
import { formatValue } from '../charts/shape.ts';
import { pick, useConsole, type ConsoleLocale, type Localized } from '../context.ts';
import { formatCount, formatDateTime, formatMoney, formatRate } from '../format.ts';
import { DataTable, LoadError, PageHeading, RangeChooser, useDayRange } from './analytics/parts.tsx';
import { isoRange } from './analytics/range.ts';
import { common, labelOf, methodNames } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Customer segments', 'zh-CN': '客户分群', 'zh-TW': '顧客分群' },
  segments: { en: 'Segments', 'zh-CN': '分群数', 'zh-TW': '分群數' },
  sizes: { en: 'Customers per segment', 'zh-CN': '各分群客户数', 'zh-TW': '各分群顧客數' },
  behaviour: { en: 'Cancellation and abandonment per segment', 'zh-CN': '各分群的取消与放弃率', 'zh-TW': '各分群的取消與放棄率' },
  segment: { en: 'Segment', 'zh-CN': '分群', 'zh-TW': '分群' },
  customers: { en: 'Customers', 'zh-CN': '客户', 'zh-TW': '顧客' },
  size: { en: 'Size', 'zh-CN': '人数', 'zh-TW': '人數' },
  cancellationRate: { en: 'Cancellation rate', 'zh-CN': '取消率', 'zh-TW': '取消率' },
  abandonmentRate: { en: 'Abandonment rate', 'zh-CN': '放弃率', 'zh-TW': '放棄率' },
  attemptsPerPayment: { en: 'Attempts per payment', 'zh-CN': '每笔支付尝试次数', 'zh-TW': '每筆付款嘗試次數' },
  averageAmount: { en: 'Average amount', 'zh-CN': '平均金额', 'zh-TW': '平均金額' },
  methodMix: { en: 'Methods used', 'zh-CN': '使用的支付方式', 'zh-TW': '使用的付款方式' },
  setsApart: { en: 'What sets it apart', 'zh-CN': '显著特征', 'zh-TW': '顯著特徵' },
  nothingApart: { en: 'Nothing far from the average', 'zh-CN': '与平均水平无明显差异', 'zh-TW': '與平均水準無明顯差異' },
  above: { en: 'above the average by', 'zh-CN': '高于平均', 'zh-TW': '高於平均' },
  below: { en: 'below the average by', 'zh-CN': '低于平均', 'zh-TW': '低於平均' },
  stddev: { en: 'standard deviations', 'zh-CN': '个标准差', 'zh-TW': '個標準差' },
  summary: {
    en: 'customers with at least {min} payments; {segmented} segmented.',
    'zh-CN': '位客户在范围内至少有 {min} 笔支付；已分群 {segmented} 位。',
    'zh-TW': '位顧客在範圍內至少有 {min} 筆付款；已分群 {segmented} 位。',
  },
  computedAt: { en: 'Computed at {time}.', 'zh-CN': '计算于 {time}。', 'zh-TW': '計算於 {time}。' },
  none: { en: 'Not enough customers in this range to make segments.', 'zh-CN': '此范围内的客户不足以分群。', 'zh-TW': '此範圍內的顧客不足以分群。' },
} satisfies Record<string, Localized>;

interface Segment {
  name: string;
  label: string;
  size: number;
  centroid: { cancellation_rate: number; abandonment_rate: number; attempts_per_payment: number; average_amount: Record<string, number>; method_mix: Record<string, number> };
  distinguishing_feature: { feature: string; direction: 'above' | 'below'; standard_deviations: number } | null;
  customers: string[];
}

interface SegmentsAnswer {
  k: number;
  min_payments: number;
  customers_total: number;
  customers_segmented: number;
  computed_at: string;
  segments: Segment[];
}

/** The name of a feature the server chose as what sets a segment apart. */
export function featureName(feature: string, locale: ConsoleLocale): string {
  if (feature.startsWith('method_mix.')) return `${pick(locale, texts.methodMix)}: ${labelOf(methodNames, feature.slice('method_mix.'.length), locale)}`;
  const names: Record<string, Localized> = {
    cancellation_rate: texts.cancellationRate,
    abandonment_rate: texts.abandonmentRate,
    attempts_per_payment: texts.attemptsPerPayment,
    average_amount: texts.averageAmount,
  };
  return names[feature] ? pick(locale, names[feature]) : feature;
}

export function segmentCharts(segments: readonly Segment[], names: { size: string; cancellation: string; abandonment: string }): { sizes: CategoryChartData; behaviour: CategoryChartData } {
  const categories = segments.map((segment) => segment.label);
  return {
    sizes: { categories, valueKind: 'count', horizontal: true, series: [{ name: names.size, values: segments.map((segment) => segment.size) }] },
    behaviour: {
      categories,
      valueKind: 'rate',
      horizontal: true,
      series: [
        { name: names.cancellation, values: segments.map((segment) => segment.centroid.cancellation_rate) },
        { name: names.abandonment, values: segments.map((segment) => segment.centroid.abandonment_rate) },
      ],
    },
  };
}

export default function SegmentsPage() {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const { days, range, setDays } = useDayRange(90);
  const [k, setK] = useState(4);
  const loaded = useLoad(() => api.get<SegmentsAnswer>('/v1/analytics/customer_segments', { ...isoRange(range), k }), [mode, range.from.getTime(), range.to.getTime(), k]);
  const data = loaded.data;
  const charts = useMemo(
    () => (data ? segmentCharts(data.segments, { size: t(texts.size), cancellation: t(texts.cancellationRate), abandonment: t(texts.abandonmentRate) }) : null),
    // `t` follows `locale`.
    [data, locale],
  );

  return (
    <div data-testid="segments-page">
      <PageHeading title={t(texts.title)}>
        <RangeChooser value={days} onChange={setDays} />
        <Select
          aria-label={t(texts.segments)}
          data-testid="segments-k"
          value={k}
          onChange={setK}
          style={{ width: 130 }}
          options={[2, 3, 4, 5, 6, 7, 8].map((value) => ({ value, label: `${value} · ${t(texts.segments)}` }))}
        />
        {loaded.loading && <Spin size="small" aria-label={t(common.loading)} />}
      </PageHeading>
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      {data && (
        <p data-testid="segments-summary">
          {formatCount(data.customers_total, locale)} {t(texts.summary).replace('{min}', String(data.min_payments)).replace('{segmented}', formatCount(data.customers_segmented, locale))}{' '}
          {t(texts.computedAt).replace('{time}', formatDateTime(data.computed_at, merchant.timeZone, locale))}
        </p>
      )}
      {data && data.segments.length === 0 && <p>{t(texts.none)}</p>}
      {data && charts && data.segments.length > 0 && (
        <Space orientation="vertical" size={12} style={{ width: '100%' }}>
          <div style={{ display: 'grid', gap: 12, gridTemplateColumns: 'repeat(auto-fill, minmax(min(520px, 100%), 1fr))' }}>
            <CategoryChart testId="chart-segment-sizes" title={t(texts.sizes)} categoryHeading={t(texts.segment)} data={charts.sizes} />
            <CategoryChart testId="chart-segment-behaviour" title={t(texts.behaviour)} categoryHeading={t(texts.segment)} data={charts.behaviour} />
          </div>
          <div style={{ display: 'grid', gap: 12, gridTemplateColumns: 'repeat(auto-fill, minmax(min(360px, 100%), 1fr))' }}>
            {data.segments.map((segment) => (
              <SegmentCard key={segment.name} segment={segment} />
            ))}
          </div>
        </Space>
      )}
    </div>
  );
}

function SegmentCard({ segment }: { segment: Segment }) {
  const { locale, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const feature = segment.distinguishing_feature;
  const format = { locale, timeZone: merchant.timeZone, currency: merchant.currency };
  return (
    <Card size="small" data-testid={`segment-${segment.name}`} title={<h3 style={{ margin: 0, fontSize: 16 }}>{segment.label}</h3>} extra={<Tag>{`${formatCount(segment.size, locale)} ${t(texts.customers)}`}</Tag>}>
      <Descriptions
        size="small"
        column={1}
        items={[
          {
            key: 'apart',
            label: t(texts.setsApart),
            children: feature
              ? `${featureName(feature.feature, locale)} ${t(texts[feature.direction])} ${formatValue(feature.standard_deviations, 'score', format)} ${t(texts.stddev)}`
              : t(texts.nothingApart),
          },
          { key: 'cancel', label: t(texts.cancellationRate), children: formatRate(segment.centroid.cancellation_rate, locale) },
          { key: 'abandon', label: t(texts.abandonmentRate), children: formatRate(segment.centroid.abandonment_rate, locale) },
          { key: 'attempts', label: t(texts.attemptsPerPayment), children: formatValue(segment.centroid.attempts_per_payment, 'score', format) },
          {
            key: 'amount',
            label: t(texts.averageAmount),
            children:
              Object.entries(segment.centroid.average_amount)
                .map(([currency, amount]) => formatMoney(amount, currency, locale))
                .join(' · ') || '–',
          },
          {
            key: 'methods',
            label: t(texts.methodMix),
            children:
              Object.entries(segment.centroid.method_mix)
                .filter(([, share]) => share > 0)
                .sort((a, b) => b[1] - a[1])
                .map(([method, share]) => `${labelOf(methodNames, method, locale)} ${formatRate(share, locale, 0)}`)
                .join(' · ') || '–',
          },
        ]}
      />
      <DataTable<{ id: string }>
        label={`${segment.label} · ${t(texts.customers)}`}
        rowKey="id"
        dataSource={segment.customers.map((id) => ({ id }))}
        pageSize={5}
        columns={[{ title: t(texts.customers), dataIndex: 'id', render: (id: string) => <code>{id}</code> }]}
      />
    </Card>
  );
}
