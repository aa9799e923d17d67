import { Type } from 'typebox';
import { PaymentError } from '../../../../domain/errors.ts';
import { limits } from '../../../../domain/limits.ts';
import { listFeedbackComments } from '../../../../store/feedback-comments.ts';
import { ListQuery, stringEnum } from '../../../schemas.ts';
import { consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Query = Type.Object(
  {
    ...ListQuery,
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    mode: Type.Optional(stringEnum(['test', 'live'] as const)),
  },
  { additionalProperties: false },
);

/**
 * GET /console/api/feedback/comments (analytics.read): the comments payers
 * left with their rating, on payments created in `[from, to)`, newest first.
 * `/v1/analytics/feedback` gives the figures but not the words; this is a
 * read with no business rule, so the route reads the store directly.
 */
export function registerConsoleFeedbackComments(app: App, deps: RouteDeps): void {
  app.get('/console/api/feedback/comments', { config: { console: { permission: 'analytics.read' } }, schema: { ...consoleSchema, querystring: Query } }, async (request) => {
    const { mode, limit, starting_after: startingAfter } = request.query;
    const from = new Date(request.query.from);
    const to = new Date(request.query.to);
    if (from.getTime() >= to.getTime()) throw new PaymentError('parameter_invalid', { param: 'to', details: { reason: 'it must be after from' } });
    const page = await listFeedbackComments(deps.context.db, consoleScope(request, mode), { from, to, limit: limit ?? limits.pageSizeDefault, startingAfter });
    return {
      object: 'list' as const,
      data: page.data.map((row) => ({
        object: 'feedback_comment' as const,
        payment: row.payment_id,
        rating: row.rating,
        nps_score: row.nps_score,
        comment: row.comment,
        created_at: row.created_at.toISOString(),
      })),
      has_more: page.hasMore,
      next_starting_after: page.hasMore ? (page.data.at(-1)?.payment_id ?? null) : null,
    };
  });
}
