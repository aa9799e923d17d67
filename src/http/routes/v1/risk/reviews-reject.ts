import { rejectReview } from '../../../../flows/risk/reviews.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Review, tags } from './schemas.ts';

export function registerReviewsReject(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/reviews/:id/reject',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Reject a held payment',
        description:
          'Cancels the payment (`cancellation_reason: fraudulent`) and releases the authorization. A payment by Alipay, WeChat Pay or UnionPay, reviewed after it succeeded, is refunded in full instead (reason `fraudulent`). `:id` is the payment id.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Review, ...errorResponses(401, 402, 403, 404, 409) },
      },
    },
    async (request) => rejectReview(deps.context, scopeOf(request), request.params.id),
  );
}
