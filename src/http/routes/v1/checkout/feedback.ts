import { Type } from 'typebox';
import { rateCheckout } from '../../../../flows/checkout/checkout.ts';
import { getPayment } from '../../../../flows/payments/create-payment.ts';
import { ClientSecret, IdParams, Nullable, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, checkPayerAccess, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerCheckoutFeedback(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments/:id/feedback',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Checkout'],
        summary: "The payer's satisfaction rating (1–5) of a finished payment, and optionally the NPS answer (0–10)",
        description:
          'Once per payment: a second rating answers the first. `nps_score` ("how likely are you to recommend the merchant", 0–10) may come with the rating or in a later call with the same rating; its first answer stands too. Counted as CSAT and NPS in `GET /v1/analytics/feedback`.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({
          client_secret: Type.Optional(ClientSecret),
          rating: Type.Integer({ minimum: 1, maximum: 5 }),
          comment: Type.Optional(Type.String({ maxLength: 500 })),
          nps_score: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
        }),
        response: {
          200: Type.Object({ object: Type.Literal('feedback'), payment: Type.String(), rating: Type.Integer(), comment: Nullable(Type.String()), nps_score: Nullable(Type.Integer()) }),
          ...errorResponses(400, 401, 404, 409),
        },
      },
    },
    async (request) => {
      const payerView = await checkPayerAccess(deps.context, request, request.params.id, request.body.client_secret);
      const payment = payerView ?? (await getPayment(deps.context, scopeOf(request), request.params.id));
      return rateCheckout(deps.context, payment, request.body);
    },
  );
}
