import { Type } from 'typebox';
import { listReviews } from '../../../../flows/risk/reviews.ts';
import { errorResponses } from '../../../schemas.ts';
import { limits } from '../../../../domain/limits.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Review, tags } from './schemas.ts';

const Query = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSizeMax })) }, { additionalProperties: false });

export function registerReviewsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/reviews',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'The review queue: payments held by a rule, authorized and waiting, oldest first',
        security: bearerAuth,
        querystring: Query,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(Review), has_more: Type.Boolean() }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => listReviews(deps.context, scopeOf(request), request.query.limit),
  );
}
