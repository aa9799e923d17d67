/**
 * Overview: the merchant's payment figures for a chosen range, each against
 * the period of the same length just before, and their course over time.
 * Reads GET /v1/analytics/summary (both periods), /v1/analytics/timeseries
 * and /v1/analytics/feedback (CSAT, NPS); computes nothing the API does not.
 */
import { Select, Space, Spin } from 'antd';
import { useMemo, useState, type ReactNode } from 'react';
import { TimeChart } from '../charts/time-chart.tsx';
import type { TimeChartData } from '../charts/shape.ts';
import { formatValue } from '../charts/shape.ts';
import { pick, useConsole, type Localized } from '../context.ts';
import { compare, regroupByLocalDay, seriesOf, type AnalyticsSummary, type AnalyticsTimeseries, type Bucket } from './analytics/figures.ts';
import { CardGrid, FigureCard, LoadError, PageHeading, RangeChooser, useDayRange } from './analytics/parts.tsx';
import { overviewDefaultDays, overviewRequests } from './analytics/overview-requests.ts';
import { seriesPlan } from './analytics/range.ts';
import { common, figureNames } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Overview', 'zh-CN': '概览', 'zh-TW': '總覽' },
  volumeOverTime: { en: 'Volume', 'zh-CN': '交易额', 'zh-TW': '交易額' },
  paymentsOverTime: { en: 'Payments', 'zh-CN': '支付笔数', 'zh-TW': '付款筆數' },
  ratesOverTime: { en: 'Rates', 'zh-CN': '比率', 'zh-TW': '比率' },
  aovOverTime: { en: 'Average order value', 'zh-CN': '平均订单金额', 'zh-TW': '平均訂單金額' },
  utcDays: {
    en: 'Ranges over 31 days are shown in UTC days.',
    'zh-CN': '超过 31 天的范围按 UTC 日显示。',
    'zh-TW': '超過 31 天的範圍按 UTC 日顯示。',
  },
} satisfies Record<string, Localized>;

export interface FeedbackSummary {
  object: 'feedback_summary';
  responses: number;
  average_rating: number | null;
  csat: number | null;
  nps_responses: number;
  nps: number | null;
}

interface OverviewData {
  current: AnalyticsSummary;
  previous: AnalyticsSummary;
  buckets: Bucket[];
  granularity: 'hour' | 'day';
  feedback: FeedbackSummary;
  previousFeedback: FeedbackSummary;
}

export default function OverviewPage() {
  const { api, locale, merchant } = useConsole();
  const { days, range, setDays } = useDayRange(overviewDefaultDays);
  const [currency, setCurrency] = useState(merchant.currency);
  const plan = seriesPlan(range, merchant.timeZone);

  const loaded = useLoad<OverviewData>(async () => {
    const answers = await Promise.all(overviewRequests(range, merchant.timeZone, currency).map(([path, query]) => api.get<unknown>(path, query)));
    const [current, previous, series, feedback, previousFeedback] = answers as [AnalyticsSummary, AnalyticsSummary, AnalyticsTimeseries, FeedbackSummary, FeedbackSummary];
    const buckets = plan.regroupDays ? regroupByLocalDay(series.data, merchant.timeZone) : series.data;
    return { current, previous, buckets, granularity: plan.regroupDays ? 'day' : plan.granularity, feedback, previousFeedback };
  }, [range.from.getTime(), range.to.getTime(), currency, merchant.timeZone]);

  const currencies = useMemo(() => {
    const seen = new Set([merchant.currency, currency, 'CNY', 'USD', 'HKD', 'EUR']);
    return [...seen].map((code) => ({ value: code, label: code }));
  }, [merchant.currency, currency]);

  const data = loaded.data;
  const format = { locale, timeZone: merchant.timeZone, currency };
  const t = (text: Localized) => pick(locale, text);

  return (
    <div data-testid="overview-page">
      <PageHeading title={t(texts.title)}>
        <RangeChooser value={days} onChange={setDays} />
        <Select aria-label={t(common.currency)} value={currency} onChange={setCurrency} options={currencies} style={{ width: 96 }} data-testid="currency-select" />
        {loaded.loading && <Spin size="small" aria-label={t(common.loading)} />}
      </PageHeading>
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      {data && (
        <>
          <CardGrid min={180}>
            <FigureCard testId="figure-volume" title={t(figureNames.volume)} value={formatValue(data.current.amount_succeeded, 'money', format)} comparison={compare(data.current.amount_succeeded, data.previous.amount_succeeded, 'relative')} />
            <FigureCard testId="figure-payments" title={t(figureNames.payments)} value={formatValue(data.current.payments_created, 'count', format)} comparison={compare(data.current.payments_created, data.previous.payments_created, 'relative')} />
            <FigureCard testId="figure-success-rate" rateLike title={t(figureNames.successRate)} value={formatValue(data.current.success_rate, 'rate', format)} comparison={compare(data.current.success_rate, data.previous.success_rate, 'difference')} />
            <FigureCard testId="figure-conversion" rateLike title={t(figureNames.conversionRate)} value={formatValue(data.current.conversion_rate, 'rate', format)} comparison={compare(data.current.conversion_rate, data.previous.conversion_rate, 'difference')} />
            <FigureCard testId="figure-cancellation-rate" rateLike higherIsWorse title={t(figureNames.cancellationRate)} value={formatValue(data.current.cancellation_rate, 'rate', format)} comparison={compare(data.current.cancellation_rate, data.previous.cancellation_rate, 'difference')} />
            <FigureCard testId="figure-abandonment-rate" rateLike higherIsWorse title={t(figureNames.abandonmentRate)} value={formatValue(data.current.abandonment_rate, 'rate', format)} comparison={compare(data.current.abandonment_rate, data.previous.abandonment_rate, 'difference')} />
            <FigureCard testId="figure-aov" title={t(figureNames.averageOrderValue)} value={formatValue(data.current.average_order_value, 'money', format)} comparison={compare(data.current.average_order_value, data.previous.average_order_value, 'relative')} />
            <FigureCard testId="figure-refund-rate" rateLike higherIsWorse title={t(figureNames.refundRate)} value={formatValue(data.current.refund_rate, 'rate', format)} comparison={compare(data.current.refund_rate, data.previous.refund_rate, 'difference')} />
            <FigureCard testId="figure-csat" rateLike title={t(figureNames.csat)} value={formatValue(data.feedback.csat, 'rate', format)} comparison={compare(data.feedback.csat, data.previousFeedback.csat, 'difference')} />
            <FigureCard testId="figure-nps" title={t(figureNames.nps)} value={formatValue(data.feedback.nps, 'score', format)} comparison={compare(data.feedback.nps, data.previousFeedback.nps, 'difference')} />
          </CardGrid>
          <OverviewCharts buckets={data.buckets} granularity={data.granularity} currency={currency} />
          {plan.utcDays && <p style={{ color: '#595959' }}>{t(texts.utcDays)}</p>}
        </>
      )}
    </div>
  );
}

function OverviewCharts({ buckets, granularity, currency }: { buckets: Bucket[]; granularity: 'hour' | 'day'; currency: string }) {
  const { locale } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const charts = useMemo(() => {
    const times = buckets.map((b) => b.from);
    const chart = (valueKind: TimeChartData['valueKind'], series: TimeChartData['series']): TimeChartData => ({ times, granularity, valueKind, series });
    return {
      volume: chart('money', [seriesOf(buckets, 'amount_succeeded', t(figureNames.volume), 'bar')]),
      payments: chart('count', [seriesOf(buckets, 'payments_created', t(figureNames.paymentsCreated)), seriesOf(buckets, 'payments_succeeded', t(figureNames.paymentsSucceeded))]),
      rates: chart('rate', [
        seriesOf(buckets, 'success_rate', t(figureNames.successRate)),
        seriesOf(buckets, 'conversion_rate', t(figureNames.conversionRate)),
        seriesOf(buckets, 'cancellation_rate', t(figureNames.cancellationRate)),
        seriesOf(buckets, 'abandonment_rate', t(figureNames.abandonmentRate)),
        seriesOf(buckets, 'refund_rate', t(figureNames.refundRate)),
      ]),
      aov: chart('money', [seriesOf(buckets, 'average_order_value', t(figureNames.averageOrderValue))]),
    };
    // `t` follows `locale`.
  }, [buckets, granularity, locale]);
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <CardGridCharts>
        <TimeChart testId="chart-volume" title={t(texts.volumeOverTime)} data={charts.volume} currency={currency} />
        <TimeChart testId="chart-payments" title={t(texts.paymentsOverTime)} data={charts.payments} />
        <TimeChart testId="chart-rates" title={t(texts.ratesOverTime)} data={charts.rates} />
        <TimeChart testId="chart-aov" title={t(texts.aovOverTime)} data={charts.aov} currency={currency} />
      </CardGridCharts>
    </Space>
  );
}

function CardGridCharts({ children }: { children: ReactNode }) {
  return <div style={{ display: 'grid', gap: 12, gridTemplateColumns: 'repeat(auto-fill, minmax(min(520px, 100%), 1fr))' }}>{children}</div>;
}
