import { approveReview } from '../../../../flows/risk/reviews.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Review, tags } from './schemas.ts';

export function registerReviewsApprove(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/reviews/:id/approve',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Approve a held payment',
        description:
          'Captures the authorization when the merchant had chosen automatic capture; otherwise the payment stays `requires_capture` for the merchant to capture. A payment by Alipay, WeChat Pay or UnionPay (reviewed after it succeeded) is left as it is. `:id` is the payment id.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Review, ...errorResponses(401, 402, 403, 404, 409) },
      },
    },
    async (request) => approveReview(deps.context, scopeOf(request), request.params.id),
  );
}
