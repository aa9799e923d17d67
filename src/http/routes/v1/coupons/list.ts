import { Type } from 'typebox';
import { listCoupons } from '../../../../flows/coupons/coupons.ts';
import { limits } from '../../../../domain/limits.ts';
import { ListQuery, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Coupon } from './schemas.ts';

const Query = Type.Object({ ...ListQuery, campaign: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false });

export function registerCouponsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/coupons',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Coupons'],
        summary: 'List coupons, newest first, with their redemptions',
        security: bearerAuth,
        querystring: Query,
        response: { 200: listOf(Coupon), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const page = await listCoupons(deps.context, scopeOf(request), {
        campaign: request.query.campaign,
        startingAfter: request.query.starting_after,
        limit: request.query.limit ?? limits.pageSizeDefault,
      });
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );
}
