import { Type } from 'typebox';
import { afterSalesKinds, paymentForOrderPage, requestAfterSales } from '../../../../flows/checkout/orders.ts';
import { AmountInput, IdParams, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { AfterSalesRequest, TokenQuery } from './schemas.ts';

export function registerAfterSalesRequestsCreate(app: App, deps: RouteDeps): void {
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
    async (request) => requestAfterSales(deps.context, await paymentForOrderPage(deps.context, request.params.id, request.query.token), request.body),
  );
}
