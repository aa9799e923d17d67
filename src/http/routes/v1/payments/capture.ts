import { Type } from 'typebox';
import { capturePayment } from '../../../../flows/payments/capture-payment.ts';
import { AmountInput, IdParams, Payment, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerPaymentsCapture(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments/:id/capture',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Payments'],
        summary: 'Capture an authorized payment',
        description: 'Captures `amount_to_capture` (default: all that is capturable); the rest of the authorization is released.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({ amount_to_capture: Type.Optional(AmountInput) }),
        response: { 200: Payment, ...errorResponses(400, 401, 404, 409, 422, 503) },
      },
    },
    async (request) => {
      const payment = await capturePayment(deps.context, scopeOf(request), request.params.id, request.body);
      return paymentView(deps, request, payment);
    },
  );
}
