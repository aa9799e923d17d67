import { Type } from 'typebox';
import { addFulfillmentEvent } from '../../../../flows/checkout/orders.ts';
import { IdParams, Nullable, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const FulfillmentEvent = Type.Object({
  id: Type.String(),
  object: Type.Literal('fulfillment_event'),
  payment: Type.String(),
  type: stringEnum(['shipped', 'delivered'] as const),
  carrier: Nullable(Type.String()),
  tracking_number: Nullable(Type.String()),
  note: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
});

export function registerFulfillmentEventsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments/:id/fulfillment_events',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Orders'],
        summary: 'Record that the order shipped (carrier, tracking number) or was delivered',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({
          type: stringEnum(['shipped', 'delivered'] as const),
          carrier: Type.Optional(Type.String({ maxLength: 100 })),
          tracking_number: Type.Optional(Type.String({ maxLength: 100 })),
          note: Type.Optional(Type.String({ maxLength: 500 })),
        }),
        response: { 200: FulfillmentEvent, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => addFulfillmentEvent(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
