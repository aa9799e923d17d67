import { Type } from 'typebox';
import { approveAfterSales } from '../../../../flows/checkout/orders.ts';
import { AmountInput, IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AfterSalesRequest } from './schemas.ts';

export function registerAfterSalesRequestsApprove(app: App, deps: RouteDeps): void {
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
    async (request) => approveAfterSales(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
