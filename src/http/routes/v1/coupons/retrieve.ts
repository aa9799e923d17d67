import { getCoupon } from '../../../../flows/coupons/coupons.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Coupon } from './schemas.ts';

export function registerCouponsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/coupons/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Coupons'],
        summary: 'Retrieve a coupon with its redemptions counted by status',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Coupon, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => getCoupon(deps.context, scopeOf(request), request.params.id),
  );
}
