import { Type } from 'typebox';
import { presentRefund } from '../../../../flows/payments/present.ts';
import { refundPayment, refundReasons } from '../../../../flows/payments/refund-payment.ts';
import { AmountInput, Refund, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerRefundsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/refunds',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Refunds'],
        summary: 'Refund a payment, in full or in part',
        description:
          'Omit `amount` to refund all that remains. The refunds of a payment that are not failed never add up to more than it received, however many are sent at once.',
        security: bearerAuth,
        body: requestObject({
          payment: Type.String({ maxLength: 64 }),
          amount: Type.Optional(AmountInput),
          reason: Type.Optional(stringEnum(refundReasons)),
        }),
        response: { 200: Refund, ...errorResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request) => presentRefund(await refundPayment(deps.context, scopeOf(request), request.body)),
  );
}
