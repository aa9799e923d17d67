import { Type } from 'typebox';
import { rejectAfterSales } from '../../../../flows/checkout/orders.ts';
import { IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AfterSalesRequest } from './schemas.ts';

export function registerAfterSalesRequestsReject(app: App, deps: RouteDeps): void {
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
    async (request) => rejectAfterSales(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
