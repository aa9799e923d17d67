/**
 * Experience KPIs of `[from, to)` against the period of the same length
 * before it (definitions: src/domain/insight/experience.ts and
 * docs/api-experience.md). Support times are the support capability's own
 * figures (GET /v1/analytics/support) for the requests of the period, and
 * the fraud rate that of GET /v1/analytics/risk (payments of the period
 * marked fraudulent ÷ those that succeeded).
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { experienceFigures, type ExperienceFigures } from '../../domain/insight/experience.ts';
import { customerCounts, revenueCounts, timeToPayGroups } from '../../store/experience.ts';
import { feedbackCounts } from '../../store/feedback.ts';
import { rate } from '../../domain/insight/analytics.ts';
import { supportFigures } from '../../domain/support/support-request.ts';
import { supportCounts } from '../../store/support/requests.ts';
import { riskAnalyticsRow } from '../../store/risk-analytics.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';

const dayMs = 24 * 60 * 60 * 1000;

export type SupportTimes = ReturnType<typeof supportFigures>;
export interface FraudFigures {
  payments_succeeded: number;
  payments_marked_fraudulent: number;
  fraud_rate: number | null;
}

export async function experienceKpis(
  context: Pick<FlowContext, 'db'>,
  scope: Scope,
  range: { from: Date; to: Date },
): Promise<ExperienceFigures & { previousFrom: Date; support: SupportTimes; fraud: FraudFigures }> {
  const spanMs = range.to.getTime() - range.from.getTime();
  if (!(spanMs > 0)) throw new PaymentError('parameter_invalid', { param: 'from', details: { reason: '`from` must be before `to`' } });
  if (spanMs > limits.analyticsRangeDaysMax * dayMs) {
    throw new PaymentError('parameter_invalid', { param: 'to', details: { reason: `the range is at most ${limits.analyticsRangeDaysMax} days` } });
  }
  const full = { previousFrom: new Date(range.from.getTime() - spanMs), from: range.from, to: range.to };
  const [customers, revenue, timeToPay, feedback, support, risk] = await Promise.all([
    customerCounts(context.db, scope, full),
    revenueCounts(context.db, scope, full),
    timeToPayGroups(context.db, scope, full),
    feedbackCounts(context.db, scope, range),
    supportCounts(context.db, scope, range),
    riskAnalyticsRow(context.db, scope, range),
  ]);
  const fraud: FraudFigures = {
    payments_succeeded: Number(risk.succeeded),
    payments_marked_fraudulent: Number(risk.fraudulent),
    fraud_rate: rate(Number(risk.fraudulent), Number(risk.succeeded)),
  };
  return { ...experienceFigures({ customers, revenue, timeToPay, feedback }), previousFrom: full.previousFrom, support: supportFigures(support, rate), fraud };
}
