import { Type } from 'typebox';
import { PaymentError } from '../../../domain/errors.ts';
import {
  addFulfillmentEvent,
  afterSalesKinds,
  approveAfterSales,
  orderView,
  paymentForOrderPage,
  presentAfterSalesRequest,
  rejectAfterSales,
  requestAfterSales,
} from '../../../flows/checkout/orders.ts';
import { findAfterSalesRequest, listAfterSalesRequests } from '../../../store/orders.ts';
import { AmountInput, IdParams, ListQuery, Nullable, errorResponses, listOf, requestObject, stringEnum } from '../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

const TokenQuery = Type.Object({ token: Type.String({ maxLength: 64, description: 'From the order link the payer received.' }) }, { additionalProperties: false });

const AfterSalesRequest = Type.Object({
  id: Type.String(),
  object: Type.Literal('after_sales_request'),
  payment: Type.String(),
  kind: stringEnum(afterSalesKinds),
  reason: Type.String(),
  amount: Nullable(Type.Integer()),
  status: stringEnum(['pending', 'approved', 'rejected'] as const),
  merchant_note: Nullable(Type.String()),
  refund: Nullable(Type.String({ description: 'The refund an approved refund request made.' })),
  created_at: Type.String({ format: 'date-time' }),
  decided_at: Nullable(Type.String({ format: 'date-time' })),
});

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

export function registerOrders(app: App, deps: RouteDeps): void {
  const context = deps.context;

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
    async (request) => orderView(context, await paymentForOrderPage(context, request.params.id, request.query.token)),
  );

  app.post(
    '/v1/orders/:id/after_sales_requests',
    {
      config: { addressLimit: 'payer' },
      schema: {
        tags: ['Orders'],
        summary: 'The payer asks for a refund, an exchange or a repair',
        description: 'With the order link\'s `token`. The merchant decides through `POST /v1/after_sales_requests/:id/approve` or `/reject`.',
        params: IdParams,
        querystring: TokenQuery,
        body: requestObject({ kind: stringEnum(afterSalesKinds), reason: Type.String({ minLength: 1, maxLength: 500 }), amount: Type.Optional(AmountInput) }),
        response: { 200: AfterSalesRequest, ...errorResponses(400, 404, 409, 422) },
      },
    },
    async (request) => requestAfterSales(context, await paymentForOrderPage(context, request.params.id, request.query.token), request.body),
  );

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
    async (request) => addFulfillmentEvent(context, scopeOf(request), request.params.id, request.body),
  );

  app.get(
    '/v1/after_sales_requests',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Orders'],
        summary: 'After-sales requests, newest first',
        security: bearerAuth,
        querystring: Type.Object(
          { ...ListQuery, payment: Type.Optional(Type.String({ maxLength: 64 })), status: Type.Optional(stringEnum(['pending', 'approved', 'rejected'] as const)) },
          { additionalProperties: false },
        ),
        response: { 200: listOf(AfterSalesRequest), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const page = await listAfterSalesRequests(context.db, scopeOf(request), {
        payment: request.query.payment,
        status: request.query.status,
        startingAfter: request.query.starting_after,
        limit: request.query.limit ?? 10,
      });
      return { object: 'list' as const, data: page.data.map(presentAfterSalesRequest), has_more: page.hasMore };
    },
  );

  app.get(
    '/v1/after_sales_requests/:id',
    { config: { auth: 'secret' }, schema: { tags: ['Orders'], summary: 'Retrieve an after-sales request', security: bearerAuth, params: IdParams, response: { 200: AfterSalesRequest, ...errorResponses(401, 404) } } },
    async (request) => {
      const found = await findAfterSalesRequest(context.db, scopeOf(request), request.params.id);
      if (!found) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'after-sales request', id: request.params.id } });
      return presentAfterSalesRequest(found);
    },
  );

  app.post(
    '/v1/after_sales_requests/:id/approve',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Orders'],
        summary: 'Approve an after-sales request; a refund request refunds through the normal refund flow',
        description: '`amount` (refund requests) overrides what the payer asked for; without either, all that remains is refunded. If the refund cannot be made, the request stays pending and the refund error is answered.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({ amount: Type.Optional(AmountInput), note: Type.Optional(Type.String({ maxLength: 500 })) }),
        response: { 200: AfterSalesRequest, ...errorResponses(400, 401, 402, 404, 409, 422) },
      },
    },
    async (request) => approveAfterSales(context, scopeOf(request), request.params.id, request.body),
  );

  app.post(
    '/v1/after_sales_requests/:id/reject',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Orders'],
        summary: 'Reject an after-sales request, with a note the payer sees',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({ note: Type.Optional(Type.String({ maxLength: 500 })) }),
        response: { 200: AfterSalesRequest, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => rejectAfterSales(context, scopeOf(request), request.params.id, request.body),
  );
}
