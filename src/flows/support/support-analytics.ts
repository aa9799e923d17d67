/**
 * GET /v1/analytics/support: the support figures of the requests created in
 * a range (definitions in src/domain/support/support-request.ts and
 * docs/api-support.md) and what payers searched for in the FAQ.
 */
import { PaymentError } from '../../domain/errors.ts';
import { rate } from '../../domain/insight/analytics.ts';
import { limits } from '../../domain/limits.ts';
import { supportFigures } from '../../domain/support/support-request.ts';
import type { Scope } from '../../store/payments.ts';
import { faqSearchCounts } from '../../store/support/faq.ts';
import { supportCounts } from '../../store/support/requests.ts';
import type { FlowContext } from '../context.ts';

export async function supportAnalytics(context: FlowContext, scope: Scope, range: { from: Date; to: Date }) {
  if (!(range.from.getTime() < range.to.getTime())) throw new PaymentError('parameter_invalid', { param: 'from', details: { reason: '`from` must be before `to`' } });
  const [counts, searches] = await Promise.all([supportCounts(context.db, scope, range), faqSearchCounts(context.db, scope, range, limits.faqTopQueriesMax)]);
  return {
    object: 'support_summary' as const,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    ...supportFigures(counts, rate),
    faq: {
      searches: searches.searches,
      searches_unanswered: searches.searchesUnanswered,
      top_queries: searches.topQueries,
      unanswered_queries: searches.unansweredQueries,
    },
  };
}
