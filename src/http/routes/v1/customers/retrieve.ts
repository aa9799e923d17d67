import { retrieveCustomer } from '../../../../flows/customers/retrieve-customer.ts';
import { Customer, IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerCustomersRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/customers/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Customers'],
        summary: 'Retrieve a customer',
        description: '`restricted_until`: until when the customer is flagged for abuse of cancellation (see `/v1/analytics/flagged_customers`), or null.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Customer, ...errorResponses(401, 404) },
      },
    },
    async (request) => retrieveCustomer(deps.context, scopeOf(request), request.params.id),
  );
}
