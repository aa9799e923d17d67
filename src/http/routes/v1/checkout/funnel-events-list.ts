import { Type } from 'typebox';
import { funnelStepTypes } from '../../../../domain/insight/funnel.ts';
import { funnelOfPayment } from '../../../../flows/checkout/checkout.ts';
import { getPayment } from '../../../../flows/payments/create-payment.ts';
import { IdParams, Nullable, errorResponses, listOf, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerCheckoutFunnelEventsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/payments/:id/funnel_events',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Checkout'],
        summary: "A payment's checkout funnel, oldest first",
        security: bearerAuth,
        params: IdParams,
        response: {
          200: listOf(
            Type.Object({
              object: Type.Literal('funnel_event'),
              type: stringEnum(funnelStepTypes),
              payment_method_type: Nullable(Type.String()),
              device_class: Nullable(Type.String()),
              locale: Nullable(Type.String()),
              error_code: Nullable(Type.String()),
              reason: Nullable(Type.String()),
              created_at: Type.String({ format: 'date-time' }),
            }),
          ),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request) => funnelOfPayment(deps.context, await getPayment(deps.context, scopeOf(request), request.params.id)),
  );
}
