/**
 * The Feedback page's themes: what payers' comments are about and how they
 * feel (GET /v1/analytics/feedback_themes): the share of negative comments
 * and the mean score, comments per topic split by sentiment with the latest
 * example of each, and the same per payment method and per cancellation
 * reason. Comments are analyzed by the worker within about a minute.
 */
import { CategoryChart } from '../../charts/category-chart.tsx';
import { formatValue } from '../../charts/shape.ts';
import { pick, useConsole, type Localized } from '../../context.ts';
import { CardGrid, DataTable, FigureCard, LoadError } from './parts.tsx';
import { compare } from './figures.ts';
import { isoRange, previousRange, type Range } from './range.ts';
import { useLoad } from './use-load.ts';

const topicNames = {
  slow: { en: 'Slow', 'zh-CN': '太慢', 'zh-TW': '太慢' },
  declined: { en: 'Declined', 'zh-CN': '支付被拒', 'zh-TW': '付款被拒' },
  confusing: { en: 'Confusing', 'zh-CN': '看不懂', 'zh-TW': '看不懂' },
  price: { en: 'Price', 'zh-CN': '价格', 'zh-TW': '價格' },
  trust: { en: 'Trust', 'zh-CN': '信任', 'zh-TW': '信任' },
  bug: { en: 'Bug', 'zh-CN': '故障', 'zh-TW': '故障' },
  payment_method: { en: 'Payment method', 'zh-CN': '支付方式', 'zh-TW': '付款方式' },
  refund: { en: 'Refund', 'zh-CN': '退款', 'zh-TW': '退款' },
} satisfies Record<string, Localized>;

const texts = {
  title: { en: 'Themes and sentiment of comments', 'zh-CN': '留言主题与情感', 'zh-TW': '留言主題與情感' },
  analyzed: { en: 'Analyzed comments', 'zh-CN': '已分析留言', 'zh-TW': '已分析留言' },
  negativeShare: { en: 'Negative comments', 'zh-CN': '负面留言占比', 'zh-TW': '負面留言比例' },
  averageScore: { en: 'Average sentiment (−1 to 1)', 'zh-CN': '平均情感分 (−1 至 1)', 'zh-TW': '平均情感分數 (−1 至 1)' },
  topics: { en: 'Comments per topic', 'zh-CN': '各主题留言数', 'zh-TW': '各主題留言數' },
  topic: { en: 'Topic', 'zh-CN': '主题', 'zh-TW': '主題' },
  negative: { en: 'Negative', 'zh-CN': '负面', 'zh-TW': '負面' },
  neutral: { en: 'Neutral', 'zh-CN': '中性', 'zh-TW': '中性' },
  positive: { en: 'Positive', 'zh-CN': '正面', 'zh-TW': '正面' },
  comments: { en: 'Comments', 'zh-CN': '留言数', 'zh-TW': '留言數' },
  example: { en: 'Latest example', 'zh-CN': '最新示例', 'zh-TW': '最新範例' },
  byChannel: { en: 'By payment method', 'zh-CN': '按支付方式', 'zh-TW': '依付款方式' },
  channel: { en: 'Payment method', 'zh-CN': '支付方式', 'zh-TW': '付款方式' },
  byReason: { en: 'Cancellations, by reason', 'zh-CN': '取消原因', 'zh-TW': '取消原因' },
  reason: { en: 'Reason', 'zh-CN': '原因', 'zh-TW': '原因' },
} satisfies Record<string, Localized>;

type Topic = keyof typeof topicNames;

interface SentimentFigures {
  comments: number;
  negative: number;
  neutral: number;
  positive: number;
  average_score: number | null;
}

interface Themes {
  totals: SentimentFigures;
  topics: (SentimentFigures & { topic: Topic; examples: { source_id: string; text: string }[] })[];
  by_channel: (SentimentFigures & { payment_method_type: string })[];
  by_cancellation_reason: (SentimentFigures & { cancellation_reason: string })[];
}

export function FeedbackThemesPanel({ range }: { range: Range }) {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const loaded = useLoad(async () => {
    const themes = (r: Range) => api.get<Themes>('/v1/analytics/feedback_themes', { ...isoRange(r), interval: 'day' });
    const [current, previous] = await Promise.all([themes(range), themes(previousRange(range))]);
    return { ...current!, previous: previous!.totals };
  }, [mode, range.from.getTime(), range.to.getTime()]);
  const data = loaded.data;
  const format = { locale, timeZone: merchant.timeZone, currency: merchant.currency };
  const score = (value: number | null) => (value === null ? '—' : value.toFixed(2));
  const share = (figures: SentimentFigures) => (figures.comments === 0 ? null : figures.negative / figures.comments);
  const sentimentColumns = [
    { title: t(texts.comments), dataIndex: 'comments' as const },
    { title: t(texts.negative), dataIndex: 'negative' as const },
    { title: t(texts.positive), dataIndex: 'positive' as const },
    { title: t(texts.averageScore), dataIndex: 'average_score' as const, render: score },
  ];

  return (
    <section aria-labelledby="themes-heading" data-testid="feedback-themes">
      <h3 id="themes-heading">{t(texts.title)}</h3>
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      {data && (
        <>
          <CardGrid min={180}>
            <FigureCard
              testId="figure-analyzed-comments"
              title={t(texts.analyzed)}
              value={formatValue(data.totals.comments, 'count', format)}
              comparison={compare(data.totals.comments, data.previous.comments, 'relative')}
            />
            <FigureCard
              testId="figure-negative-share"
              rateLike
              higherIsWorse
              title={t(texts.negativeShare)}
              value={formatValue(share(data.totals), 'rate', format)}
              comparison={compare(share(data.totals), share(data.previous), 'difference')}
            />
            <FigureCard title={t(texts.averageScore)} value={score(data.totals.average_score)} comparison={compare(data.totals.average_score, data.previous.average_score, 'difference')} />
          </CardGrid>
          <CategoryChart
            testId="chart-topics"
            title={t(texts.topics)}
            categoryHeading={t(texts.topic)}
            data={{
              categories: data.topics.map((row) => t(topicNames[row.topic])),
              valueKind: 'count',
              horizontal: true,
              series: (['negative', 'neutral', 'positive'] as const).map((sentiment) => ({ name: t(texts[sentiment]), values: data.topics.map((row) => row[sentiment]) })),
            }}
          />
          <DataTable
            label={t(texts.topics)}
            data-testid="themes-topics"
            rowKey="topic"
            dataSource={data.topics.filter((row) => row.comments > 0)}
            columns={[
              { title: t(texts.topic), dataIndex: 'topic', render: (topic: Topic) => t(topicNames[topic]) },
              ...sentimentColumns,
              { title: t(texts.example), render: (_: unknown, row) => <span style={{ whiteSpace: 'normal' }}>{row.examples[0]?.text ?? ''}</span> },
            ]}
          />
          <h4>{t(texts.byChannel)}</h4>
          <DataTable label={t(texts.byChannel)} rowKey="payment_method_type" dataSource={data.by_channel} columns={[{ title: t(texts.channel), dataIndex: 'payment_method_type' }, ...sentimentColumns]} />
          <h4>{t(texts.byReason)}</h4>
          <DataTable label={t(texts.byReason)} rowKey="cancellation_reason" dataSource={data.by_cancellation_reason} columns={[{ title: t(texts.reason), dataIndex: 'cancellation_reason' }, ...sentimentColumns]} />
        </>
      )}
    </section>
  );
}
