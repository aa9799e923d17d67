/**
 * The risk figures of GET /v1/analytics/risk for the chosen days: fraud,
 * block, challenge and review rates, challenges passed, false positives and
 * review decision times as figures, and decisions, review outcomes and rates
 * as charts (web/console/charts), each with its table view.
 */
import { Typography } from 'antd';
import { useMemo } from 'react';
import { useConsole } from '../../context.ts';
import { formatCount, formatDuration, formatRate } from '../../format.ts';
import { useTexts } from '../../i18n.ts';
import { CategoryChart } from '../../charts/category-chart.tsx';
import type { CategoryChartData } from '../../charts/shape.ts';
import { CardGrid, FigureCard, LoadError, RangeChooser, useDayRange } from '../analytics/parts.tsx';
import { isoRange } from '../analytics/range.ts';
import { useLoad } from '../analytics/use-load.ts';
import { riskTexts } from './texts.ts';
import type { RiskFigures } from './types.ts';

/** The figures are for the range alone: no period to compare with. */
const noComparison = { current: null, previous: null, change: null, mode: 'relative' } as const;

export function FiguresPanel() {
  const { api, mode, locale } = useConsole();
  const r = useTexts(riskTexts);
  const { days, range, setDays } = useDayRange(30);
  const figures = useLoad(() => api.get<RiskFigures>('/v1/analytics/risk', isoRange(range)), [mode, range.from.getTime(), range.to.getTime()]);
  const data = figures.data;
  const charts = useMemo(() => {
    if (!data) return null;
    const decisions: CategoryChartData = {
      categories: [r('decision_allow'), r('decision_challenge'), r('decision_review'), r('decision_block')],
      series: [{ name: r('count'), values: [data.decisions.allowed, data.decisions.challenged, data.decisions.reviewed, data.decisions.blocked] }],
      valueKind: 'count',
      horizontal: true,
    };
    const reviews: CategoryChartData = {
      categories: [r('review_approved'), r('review_rejected'), r('review_pending')],
      series: [{ name: r('count'), values: [data.reviews.approved, data.reviews.rejected, data.reviews.pending] }],
      valueKind: 'count',
      horizontal: true,
    };
    const rates: CategoryChartData = {
      categories: [r('fraudRate'), r('blockRate'), r('challengeRate'), r('reviewRate'), r('challengePassRate')],
      series: [{ name: r('rate'), values: [data.fraud_rate, data.block_rate, data.challenge_rate, data.review_rate, data.challenge_pass_rate] }],
      valueKind: 'rate',
      horizontal: true,
    };
    return { decisions, reviews, rates };
    // `r` reads the locale, which is in the dependencies.
  }, [data, locale]);
  const seconds = (value: number | null | undefined) => (value === null || value === undefined ? '–' : formatDuration(value * 1000, locale));
  const rate = (value: number | null | undefined) => (data ? formatRate(value ?? null, locale) : '–');
  return (
    <div data-testid="risk-figures">
      <div style={{ marginBottom: 12 }}>
        <RangeChooser value={days} onChange={setDays} />
      </div>
      {figures.error && <LoadError error={figures.error} onRetry={figures.reload} />}
      <CardGrid min={180}>
        <FigureCard testId="risk-figure-fraud-rate" rateLike title={r('fraudRate')} value={rate(data?.fraud_rate)} comparison={noComparison} />
        <FigureCard testId="risk-figure-block-rate" rateLike title={r('blockRate')} value={rate(data?.block_rate)} comparison={noComparison} />
        <FigureCard testId="risk-figure-challenge-rate" rateLike title={r('challengeRate')} value={rate(data?.challenge_rate)} comparison={noComparison} />
        <FigureCard testId="risk-figure-review-rate" rateLike title={r('reviewRate')} value={rate(data?.review_rate)} comparison={noComparison} />
        <FigureCard testId="risk-figure-challenge-pass" rateLike title={r('challengePassRate')} value={rate(data?.challenge_pass_rate)} comparison={noComparison} />
        <FigureCard testId="risk-figure-false-positives" title={r('falsePositives')} value={data ? formatCount(data.false_positives, locale) : '–'} comparison={noComparison} />
        <FigureCard testId="risk-figure-decision-p50" title={r('decisionP50')} value={seconds(data?.reviews.decision_seconds_p50)} comparison={noComparison} />
        <FigureCard testId="risk-figure-decision-p90" title={r('decisionP90')} value={seconds(data?.reviews.decision_seconds_p90)} comparison={noComparison} />
      </CardGrid>
      {charts && (
        <CardGrid min={300}>
          <CategoryChart testId="risk-chart-decisions" title={r('decisions')} categoryHeading={r('decision')} data={charts.decisions} />
          <CategoryChart testId="risk-chart-reviews" title={r('reviewOutcomes')} categoryHeading={r('outcome')} data={charts.reviews} />
          <CategoryChart testId="risk-chart-rates" title={r('rates')} categoryHeading={r('rate')} data={charts.rates} />
        </CardGrid>
      )}
      <Typography.Paragraph type="secondary">{r('figuresNote')}</Typography.Paragraph>
    </div>
  );
}
