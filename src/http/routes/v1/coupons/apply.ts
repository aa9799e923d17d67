import { Type } from 'typebox';
import { applyCoupon } from '../../../../flows/coupons/apply-coupon.ts';
import { ClientSecret, IdParams, Payment, errorResponses, requestObject } from '../../../schemas.ts';
import { actorOf, bearerAuth, checkPayerAccess, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerCouponsApply(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments/:id/coupon',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Coupons'],
        summary: "The payer applies a coupon code to a payment before confirming it, or removes it ('')",
        description:
          'Publishable key with `client_secret` (the checkout), or a secret key. Answers the payment with its new amount_original, amount_discount and amount_due, or the coupon error (`coupon_unknown`, `coupon_expired`, `coupon_not_yet_valid`, `coupon_minimum_not_met`, `coupon_not_for_method`, `coupon_disabled` …). The limits are checked at confirm, where the redemption is reserved.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({
          client_secret: Type.Optional(ClientSecret),
          coupon: Type.String({ maxLength: 40, description: "The code, in any case; '' removes the payment's coupon." }),
        }),
        response: { 200: Payment, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      await checkPayerAccess(deps.context, request, request.params.id, request.body.client_secret);
      const code = request.body.coupon.trim() === '' ? null : request.body.coupon;
      const payment = await applyCoupon(deps.context, scopeOf(request), request.params.id, code, actorOf(request));
      return paymentView(deps, request, payment);
    },
  );
}
