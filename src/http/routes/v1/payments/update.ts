import { Type } from 'typebox';
import { updatePayment } from '../../../../flows/payments/update-payment.ts';
import { limits } from '../../../../domain/limits.ts';
import { AmountInput, IdParams, Metadata, OrderInput, Payment, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Body = requestObject({
  amount: Type.Optional(AmountInput),
  description: Type.Optional(Type.String({ maxLength: limits.descriptionLengthMax })),
  metadata: Type.Optional(Metadata),
  order: Type.Optional(OrderInput),
  coupon: Type.Optional(Type.String({ maxLength: 40, description: "A coupon code to apply, or '' to remove the coupon. With a coupon, a new `amount` is the new original price." })),
});

export function registerPaymentsUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Payments'],
        summary: 'Update a payment before it is confirmed (amount, description, metadata, order)',
        description:
          'Only while the payment is `requires_payment_method` or `requires_confirmation`. `metadata` is merged into what is stored; an empty string removes a key. A new `amount` is a price change: the history records it (reason `amount_changed`), `payment.updated` is sent, and a later cancellation has the detected cause `price_changed`.',
        security: bearerAuth,
        params: IdParams,
        body: Body,
        response: { 200: Payment, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const payment = await updatePayment(deps.context, scopeOf(request), request.params.id, request.body);
      return paymentView(deps, request, payment);
    },
  );
}
