import { Type } from 'typebox';
import { presentAfterSalesRequest } from '../../../../flows/checkout/orders.ts';
import { listAfterSalesRequests } from '../../../../store/orders.ts';
import { ListQuery, errorResponses, listOf, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AfterSalesRequest } from './schemas.ts';

export function registerAfterSalesRequestsList(app: App, deps: RouteDeps): void {
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
      const page = await listAfterSalesRequests(deps.context.db, scopeOf(request), {
        payment: request.query.payment,
        status: request.query.status,
        startingAfter: request.query.starting_after,
        limit: request.query.limit ?? 10,
      });
      return { object: 'list' as const, data: page.data.map(presentAfterSalesRequest), has_more: page.hasMore };
    },
  );
}
