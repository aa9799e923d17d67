import { Type } from 'typebox';
import { clientFunnelSteps } from '../../../../domain/insight/funnel.ts';
import { locales } from '../../../../domain/locale.ts';
import { recordCheckoutStep } from '../../../../flows/checkout/checkout.ts';
import { getPayment } from '../../../../flows/payments/create-payment.ts';
import { ClientSecret, IdParams, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { PayerId } from './schemas.ts';
import { bearerAuth, checkPayerAccess, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerCheckoutFunnelEventsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments/:id/funnel_events',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Checkout'],
        summary: 'The checkout reports a step only the browser sees',
        description: '`checkout_viewed` or `method_chosen` (with `payment_method_type`). The device class comes from the User-Agent. The server records every other step itself, with the change that makes it. `checkout_viewed` with `experiment` and `variant` records the payer\'s exposure to that variant, when the server assigns this payer (the customer, else `payer_id`) that same variant of the experiment running now.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({
          client_secret: Type.Optional(ClientSecret),
          type: stringEnum(clientFunnelSteps),
          payment_method_type: Type.Optional(stringEnum(['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const)),
          locale: Type.Optional(stringEnum(locales)),
          payer_id: Type.Optional(PayerId),
          experiment: Type.Optional(Type.String({ maxLength: 64, description: 'With `checkout_viewed`: the experiment whose variant the page shows (from the checkout session).' })),
          variant: Type.Optional(Type.String({ maxLength: 32 })),
        }),
        response: {
          200: Type.Object({ object: Type.Literal('funnel_event'), type: Type.String(), recorded: Type.Boolean() }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request) => {
      const payerView = await checkPayerAccess(deps.context, request, request.params.id, request.body.client_secret);
      const payment = payerView ?? (await getPayment(deps.context, scopeOf(request), request.params.id));
      return recordCheckoutStep(deps.context, payment, request.body, request.headers['user-agent']);
    },
  );
}
