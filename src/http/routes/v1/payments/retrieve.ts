import { Type } from 'typebox';
import { getPayment } from '../../../../flows/payments/create-payment.ts';
import { riskOfPayment } from '../../../../flows/risk/reviews.ts';
import { ClientSecret, IdParams, Payment, errorResponses } from '../../../schemas.ts';
import { bearerAuth, checkPayerAccess, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerPaymentsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/payments/:id',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Payments'],
        summary: 'Retrieve a payment',
        description: 'With a publishable key, `client_secret` is required and the answer omits what only the merchant may see.',
        security: bearerAuth,
        params: IdParams,
        querystring: Type.Object({ client_secret: Type.Optional(ClientSecret) }, { additionalProperties: false }),
        response: { 200: Payment, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const payerView = await checkPayerAccess(deps.context, request, request.params.id, request.query.client_secret);
      if (payerView) return paymentView(deps, request, payerView);
      const payment = await getPayment(deps.context, scopeOf(request), request.params.id);
      // The merchant also reads the payment's risk (the payer never does).
      return { ...paymentView(deps, request, payment), risk: await riskOfPayment(deps.context, { merchantId: payment.merchant_id, id: payment.id }) };
    },
  );
}
