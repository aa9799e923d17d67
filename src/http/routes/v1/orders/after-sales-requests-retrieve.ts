import { PaymentError } from '../../../../domain/errors.ts';
import { presentAfterSalesRequest } from '../../../../flows/checkout/orders.ts';
import { findAfterSalesRequest } from '../../../../store/orders.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AfterSalesRequest } from './schemas.ts';

export function registerAfterSalesRequestsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/after_sales_requests/:id',
    { config: { auth: 'secret' }, schema: { tags: ['Orders'], summary: 'Retrieve an after-sales request', security: bearerAuth, params: IdParams, response: { 200: AfterSalesRequest, ...errorResponses(401, 404) } } },
    async (request) => {
      const found = await findAfterSalesRequest(deps.context.db, scopeOf(request), request.params.id);
      if (!found) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'after-sales request', id: request.params.id } });
      return presentAfterSalesRequest(found);
    },
  );
}
