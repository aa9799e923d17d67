/**
 * Feedback: what payers said at the end of the checkout. CSAT (ratings 4–5
 * of 1–5) and NPS (promoters − detractors of the optional 0–10 question)
 * for the range against the period before and over time
 * (GET /v1/analytics/feedback, once per bucket), how ratings spread, and
 * the comments (GET /console/api/feedback/comments), with their themes and
 * sentiment (analytics/feedback-themes-panel.tsx).
 */
import { Button, List, Spin, Tag } from 'antd';
import { useMemo, useState } from 'react';
import { CategoryChart } from '../charts/category-chart.tsx';
import { formatValue } from '../charts/shape.ts';
import { TimeChart } from '../charts/time-chart.tsx';
import { pick, useConsole, type Localized } from '../context.ts';
import { formatDateTime } from '../format.ts';
import { npsGroups, ratingDistribution, satisfactionOverTime, type FeedbackFigures } from './analytics/feedback-data.ts';
import { FeedbackThemesPanel } from './analytics/feedback-themes-panel.tsx';
import { compare } from './analytics/figures.ts';
import { CardGrid, FigureCard, LoadError, PageHeading, RangeChooser, useDayRange } from './analytics/parts.tsx';
import { bucketsOf, isoRange, previousRange, type Range } from './analytics/range.ts';
import { common, figureNames } from './analytics/texts.ts';
import { useLoad } from './analytics/use-load.ts';

const texts = {
  title: { en: 'Feedback', 'zh-CN': '用户反馈', 'zh-TW': '使用者回饋' },
  responses: { en: 'Ratings', 'zh-CN': '评分数', 'zh-TW': '評分數' },
  averageRating: { en: 'Average rating', 'zh-CN': '平均评分', 'zh-TW': '平均評分' },
  npsResponses: { en: 'NPS answers', 'zh-CN': 'NPS 回答数', 'zh-TW': 'NPS 回答數' },
  csatOverTime: { en: 'CSAT over time', 'zh-CN': 'CSAT 趋势', 'zh-TW': 'CSAT 趨勢' },
  npsOverTime: { en: 'NPS over time', 'zh-CN': 'NPS 趋势', 'zh-TW': 'NPS 趨勢' },
  responsesOverTime: { en: 'Ratings over time', 'zh-CN': '评分数趋势', 'zh-TW': '評分數趨勢' },
  ratings: { en: 'Ratings', 'zh-CN': '评分分布', 'zh-TW': '評分分布' },
  rating: { en: 'Rating', 'zh-CN': '评分', 'zh-TW': '評分' },
  stars: { en: '{n} stars', 'zh-CN': '{n} 星', 'zh-TW': '{n} 星' },
  npsGroups: { en: 'Promoters, passives and detractors', 'zh-CN': '推荐者、中立者与贬损者', 'zh-TW': '推薦者、中立者與批評者' },
  group: { en: 'Group', 'zh-CN': '类别', 'zh-TW': '類別' },
  promoters: { en: 'Promoters (9–10)', 'zh-CN': '推荐者 (9–10)', 'zh-TW': '推薦者 (9–10)' },
  passives: { en: 'Passives (7–8)', 'zh-CN': '中立者 (7–8)', 'zh-TW': '中立者 (7–8)' },
  detractors: { en: 'Detractors (0–6)', 'zh-CN': '贬损者 (0–6)', 'zh-TW': '批評者 (0–6)' },
  comments: { en: 'Comments', 'zh-CN': '留言', 'zh-TW': '留言' },
  noComments: { en: 'No comments in this range.', 'zh-CN': '此范围内没有留言。', 'zh-TW': '此範圍內沒有留言。' },
  recommend: { en: 'Would recommend', 'zh-CN': '推荐意愿', 'zh-TW': '推薦意願' },
} satisfies Record<string, Localized>;

interface FeedbackData {
  total: FeedbackFigures;
  previous: FeedbackFigures;
  buckets: FeedbackFigures[];
  granularity: 'hour' | 'day';
}

interface Comment {
  payment: string;
  rating: number;
  nps_score: number | null;
  comment: string;
  created_at: string;
}

const bucketsMax = 14;

export default function FeedbackPage() {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const { days, range, setDays } = useDayRange(30);
  const loaded = useLoad<FeedbackData>(async () => {
    const { buckets, granularity } = bucketsOf(range, bucketsMax);
    const figures = (r: Range) => api.get<FeedbackFigures>('/v1/analytics/feedback', isoRange(r));
    const [total, previous, ...perBucket] = await Promise.all([figures(range), figures(previousRange(range)), ...buckets.map(figures)]);
    return { total: total!, previous: previous!, buckets: perBucket, granularity };
  }, [mode, range.from.getTime(), range.to.getTime()]);
  const data = loaded.data;
  const charts = useMemo(() => {
    if (!data) return null;
    return {
      ...satisfactionOverTime(data.buckets, data.granularity, { csat: t(figureNames.csat), nps: t(figureNames.nps), responses: t(texts.responses) }),
      ratings: ratingDistribution(data.total, (n) => t(texts.stars).replace('{n}', String(n)), t(texts.responses)),
      groups: npsGroups(data.total, { promoters: t(texts.promoters), passives: t(texts.passives), detractors: t(texts.detractors) }, t(texts.npsResponses)),
    };
    // `t` follows `locale`.
  }, [data, locale]);
  const format = { locale, timeZone: merchant.timeZone, currency: merchant.currency };

  return (
    <div data-testid="feedback-page">
      <PageHeading title={t(texts.title)}>
        <RangeChooser value={days} onChange={setDays} />
        {loaded.loading && <Spin size="small" aria-label={t(common.loading)} />}
      </PageHeading>
      {loaded.error && <LoadError error={loaded.error} onRetry={loaded.reload} />}
      {data && charts && (
        <>
          <CardGrid min={180}>
            <FigureCard testId="figure-csat" rateLike title={t(figureNames.csat)} value={formatValue(data.total.csat, 'rate', format)} comparison={compare(data.total.csat, data.previous.csat, 'difference')} />
            <FigureCard testId="figure-nps" title={t(figureNames.nps)} value={formatValue(data.total.nps, 'score', format)} comparison={compare(data.total.nps, data.previous.nps, 'difference')} />
            <FigureCard title={t(texts.averageRating)} value={formatValue(data.total.average_rating, 'score', format)} comparison={compare(data.total.average_rating, data.previous.average_rating, 'difference')} />
            <FigureCard title={t(texts.responses)} value={formatValue(data.total.responses, 'count', format)} comparison={compare(data.total.responses, data.previous.responses, 'relative')} />
          </CardGrid>
          <div style={{ display: 'grid', gap: 12, gridTemplateColumns: 'repeat(auto-fill, minmax(min(520px, 100%), 1fr))', marginBottom: 16 }}>
            <TimeChart testId="chart-csat" title={t(texts.csatOverTime)} data={charts.csat} />
            <TimeChart testId="chart-nps" title={t(texts.npsOverTime)} data={charts.nps} />
            <TimeChart testId="chart-responses" title={t(texts.responsesOverTime)} data={charts.responses} />
            <CategoryChart testId="chart-ratings" title={t(texts.ratings)} categoryHeading={t(texts.rating)} data={charts.ratings} />
            <CategoryChart testId="chart-nps-groups" title={t(texts.npsGroups)} categoryHeading={t(texts.group)} data={charts.groups} />
          </div>
        </>
      )}
      <FeedbackThemesPanel range={range} />
      <Comments range={range} />
    </div>
  );
}

function Comments({ range }: { range: Range }) {
  const { api, locale, mode, merchant } = useConsole();
  const t = (text: Localized) => pick(locale, text);
  const [more, setMore] = useState<{ rows: Comment[]; next: string | null }>({ rows: [], next: null });
  type Page = { data: Comment[]; next_starting_after: string | null };
  const first = useLoad(async () => {
    const page = await api.get<Page>('/console/api/feedback/comments', { mode, ...isoRange(range), limit: 20 });
    setMore({ rows: [], next: page.next_starting_after });
    return page.data;
  }, [mode, range.from.getTime(), range.to.getTime()]);
  const rows = [...(first.data ?? []), ...more.rows];

  async function loadMore() {
    if (!more.next) return;
    const page = await api.get<Page>('/console/api/feedback/comments', { mode, ...isoRange(range), limit: 20, starting_after: more.next });
    setMore({ rows: [...more.rows, ...page.data], next: page.next_starting_after });
  }

  return (
    <section aria-labelledby="comments-heading">
      <h3 id="comments-heading">{t(texts.comments)}</h3>
      {first.error && <LoadError error={first.error} onRetry={first.reload} />}
      <List<Comment>
        data-testid="feedback-comments"
        loading={first.loading}
        dataSource={rows}
        locale={{ emptyText: t(texts.noComments) }}
        renderItem={(row) => (
          <List.Item key={row.payment}>
            <div style={{ width: '100%' }}>
              <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center' }}>
                <span role="img" aria-label={`${t(texts.rating)} ${row.rating} / 5`} style={{ color: '#ad6800' }}>
                  {'★'.repeat(row.rating)}
                  {'☆'.repeat(5 - row.rating)}
                </span>
                {row.nps_score !== null && <Tag>{`${t(texts.recommend)} ${row.nps_score}/10`}</Tag>}
                <code>{row.payment}</code>
                <span style={{ color: '#595959' }}>{formatDateTime(row.created_at, merchant.timeZone, locale)}</span>
              </div>
              <p style={{ margin: '4px 0 0' }}>{row.comment}</p>
            </div>
          </List.Item>
        )}
      />
      {more.next && (
        <Button onClick={loadMore} data-testid="comments-more">
          {t(common.more)}
        </Button>
      )}
    </section>
  );
}
