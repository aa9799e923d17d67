import { createCoupon } from '../../../../flows/coupons/coupons.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Coupon, CreateCouponBody } from './schemas.ts';

export function registerCouponsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/coupons',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Coupons'],
        summary: 'Create a coupon',
        description:
          'A code payers give at checkout (or merchants in `coupon` on POST /v1/payments) for a percentage (rounded down to a whole minor unit) or a fixed amount off, in one currency. Every discount leaves at least one minor unit to pay. A redemption is reserved when a payment with the coupon is confirmed (the limits hold under any concurrency), released when it fails, is canceled or abandoned, consumed when it succeeds and restored by a full refund.',
        security: bearerAuth,
        body: CreateCouponBody,
        response: { 200: Coupon, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request) => createCoupon(deps.context, scopeOf(request), request.body),
  );
}
