import { Type } from 'typebox';
import { listCouponRedemptions } from '../../../../flows/coupons/coupons.ts';
import { limits } from '../../../../domain/limits.ts';
import { IdParams, ListQuery, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { CouponRedemption } from './schemas.ts';

const Query = Type.Object({ ...ListQuery }, { additionalProperties: false });

export function registerCouponsRedemptions(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/coupons/:id/redemptions',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Coupons'],
        summary: "A coupon's redemptions, newest first, each with its payment",
        security: bearerAuth,
        params: IdParams,
        querystring: Query,
        response: { 200: listOf(CouponRedemption), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const page = await listCouponRedemptions(deps.context, scopeOf(request), request.params.id, {
        startingAfter: request.query.starting_after,
        limit: request.query.limit ?? limits.pageSizeDefault,
      });
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );
}
