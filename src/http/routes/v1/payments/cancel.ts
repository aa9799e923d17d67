import { Type } from 'typebox';
import { cancelPayment } from '../../../../flows/payments/cancel-payment.ts';
import { cancellationReasons } from '../../../../domain/payments/payment-state.ts';
import { limits } from '../../../../domain/limits.ts';
import { ClientSecret, IdParams, Payment, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { actorOf, bearerAuth, checkPayerAccess, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Body = requestObject({
  cancellation_reason: Type.Optional(stringEnum(cancellationReasons)),
  comment: Type.Optional(Type.String({ maxLength: limits.cancellationCommentLengthMax })),
  client_secret: Type.Optional(ClientSecret),
});

export function registerPaymentsCancel(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments/:id/cancel',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Payments'],
        summary: 'Cancel a payment, with a reason',
        description:
          'Secret key, or publishable key with `client_secret` (the payer canceling at checkout). An authorization is released at the provider. A payment in `processing` cannot be canceled until its outcome is known.',
        security: bearerAuth,
        params: IdParams,
        body: Body,
        response: { 200: Payment, ...errorResponses(400, 401, 404, 409, 503) },
      },
    },
    async (request) => {
      await checkPayerAccess(deps.context, request, request.params.id, request.body.client_secret);
      const { client_secret: _secret, ...input } = request.body;
      const payment = await cancelPayment(deps.context, scopeOf(request), actorOf(request), request.params.id, input);
      return paymentView(deps, request, payment);
    },
  );
}
