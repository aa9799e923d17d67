/**
 * Experience KPIs of `[from, to)` against the period of the same length
 * before it (definitions: src/domain/insight/experience.ts and
 * docs/api-experience.md). Fraud rate and support times come from other
 * capabilities: the answer has a field for each, null until they report.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { experienceFigures, type ExperienceFigures } from '../../domain/insight/experience.ts';
import { customerCounts, revenueCounts, timeToPayGroups } from '../../store/experience.ts';
import { feedbackCounts } from '../../store/feedback.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';

const dayMs = 24 * 60 * 60 * 1000;

export async function experienceKpis(context: Pick<FlowContext, 'db'>, scope: Scope, range: { from: Date; to: Date }): Promise<ExperienceFigures & { previousFrom: Date }> {
  const spanMs = range.to.getTime() - range.from.getTime();
  if (!(spanMs > 0)) throw new PaymentError('parameter_invalid', { param: 'from', details: { reason: '`from` must be before `to`' } });
  if (spanMs > limits.analyticsRangeDaysMax * dayMs) {
    throw new PaymentError('parameter_invalid', { param: 'to', details: { reason: `the range is at most ${limits.analyticsRangeDaysMax} days` } });
  }
  const full = { previousFrom: new Date(range.from.getTime() - spanMs), from: range.from, to: range.to };
  const [customers, revenue, timeToPay, feedback] = await Promise.all([
    customerCounts(context.db, scope, full),
    revenueCounts(context.db, scope, full),
    timeToPayGroups(context.db, scope, full),
    feedbackCounts(context.db, scope, range),
  ]);
  return { ...experienceFigures({ customers, revenue, timeToPay, feedback }), previousFrom: full.previousFrom };
}
