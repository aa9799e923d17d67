import { disableCoupon } from '../../../../flows/coupons/coupons.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Coupon } from './schemas.ts';

export function registerCouponsDisable(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/coupons/:id/disable',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Coupons'],
        summary: 'Disable a coupon',
        description:
          'From now on the code is refused when applied and at confirm (`coupon_disabled`). Redemptions already reserved run their course. Disabling a disabled coupon changes nothing.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Coupon, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => disableCoupon(deps.context, scopeOf(request), request.params.id),
  );
}
