import { Type } from 'typebox';
import { orderView, paymentForOrderPage } from '../../../../flows/checkout/orders.ts';
import { IdParams, Nullable, errorResponses, stringEnum } from '../../../schemas.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { AfterSalesRequest, TokenQuery } from './schemas.ts';

const TimelineEntry = Type.Object({
  type: stringEnum(['paid', 'shipped', 'delivered', 'refunded', 'refund_failed', 'canceled'] as const),
  at: Type.String({ format: 'date-time' }),
  carrier: Nullable(Type.String()),
  tracking_number: Nullable(Type.String()),
  amount: Nullable(Type.Integer()),
});

const Order = Type.Object({
  object: Type.Literal('order'),
  id: Type.String(),
  order_number: Type.String(),
  merchant: Type.Object({ name: Type.String() }),
  amount: Type.Integer(),
  currency: Type.String(),
  amount_refunded: Type.Integer(),
  status: Type.String(),
  payment_method: Nullable(Type.Object({}, { additionalProperties: true })),
  description: Nullable(Type.String()),
  items: Nullable(Type.Array(Type.Object({}, { additionalProperties: true }))),
  created_at: Type.String({ format: 'date-time' }),
  customer_locale: Nullable(Type.String()),
  timeline: Type.Array(TimelineEntry),
  after_sales_requests: Type.Array(
    Type.Object({
      ...AfterSalesRequest.properties,
      refund_status: Nullable(stringEnum(['pending', 'succeeded', 'failed'] as const, { description: 'What became of the refund an approved refund request made.' })),
    }),
  ),
  after_sales_allowed: Type.Boolean(),
});

export function registerOrdersRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/orders/:id',
    {
      config: { addressLimit: 'payer' },
      schema: {
        tags: ['Orders'],
        summary: "The payer's order page: status, timeline and after-sales requests",
        description: 'No API key: the `token` of the order link the payer received (in their payment emails and on the checkout result) opens this order alone.',
        params: IdParams,
        querystring: TokenQuery,
        response: { 200: Order, ...errorResponses(400, 404) },
      },
    },
    async (request) => orderView(deps.context, await paymentForOrderPage(deps.context, request.params.id, request.query.token)),
  );
}
