/**
 * GET /v1/analytics/risk: for payments created in [from, to), the fraud rate
 * (payments marked fraudulent ÷ succeeded), how each decided payment ended
 * (its newest decision: allow, challenge, review, block) and the rates of
 * each, the share of challenges passed, review outcomes and how long a review
 * waited for its decision, and false positives (payers blocked or rejected
 * who later paid the merchant successfully with the same customer or card).
 */
import { PaymentError } from '../../domain/errors.ts';
import { parseInstant, rangeProblem, rate } from '../../domain/insight/analytics.ts';
import { limits } from '../../domain/limits.ts';
import { riskAnalyticsRow } from '../../store/risk-analytics.ts';
import type { Scope } from '../../store/scope.ts';
import type { FlowContext } from '../context.ts';

function instant(text: string, param: string): Date {
  const date = parseInstant(text);
  if (!date) throw new PaymentError('parameter_invalid', { param, details: { reason: 'an ISO 8601 time with a time zone, or a date (read as UTC)' } });
  return date;
}

export async function riskAnalytics(context: FlowContext, scope: Scope, parameters: { from: string; to: string }) {
  const range = { from: instant(parameters.from, 'from'), to: instant(parameters.to, 'to') };
  const problem = rangeProblem(range, null, { rangeDaysMax: limits.analyticsRangeDaysMax, hourlyRangeDaysMax: limits.analyticsHourlyRangeDaysMax });
  if (problem) throw new PaymentError('parameter_invalid', { param: problem.param, details: { reason: problem.reason } });
  const row = await riskAnalyticsRow(context.db, scope, range);
  const n = (value: string) => Number(value);
  const decided = n(row.decided);
  const seconds = (value: number | null) => (value === null ? null : Math.round(Number(value)));
  return {
    object: 'analytics_risk' as const,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    payments_succeeded: n(row.succeeded),
    payments_fraudulent: n(row.fraudulent),
    fraud_rate: rate(n(row.fraudulent), n(row.succeeded)),
    decisions: {
      decided,
      allowed: n(row.allowed),
      challenged: n(row.challenged),
      reviewed: n(row.reviewed),
      blocked: n(row.blocked),
    },
    block_rate: rate(n(row.blocked), decided),
    challenge_rate: rate(n(row.challenged), decided),
    review_rate: rate(n(row.reviewed), decided),
    challenge_pass_rate: rate(n(row.challenges_passed), n(row.challenged)),
    reviews: {
      approved: n(row.reviews_approved),
      rejected: n(row.reviews_rejected),
      pending: n(row.reviews_pending),
      decision_seconds_p50: seconds(row.review_seconds_p50),
      decision_seconds_p90: seconds(row.review_seconds_p90),
    },
    false_positives: n(row.false_positives),
  };
}
