import { changeCustomer } from '../../../../flows/customers/change-customer.ts';
import { Customer, IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { CustomerFields } from './schemas.ts';

export function registerCustomersUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/customers/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Customers'],
        summary: 'Update a customer',
        description: 'Only the fields sent change. `notifications: {"email": false}` opts the payer out of payment emails.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject(CustomerFields),
        response: { 200: Customer, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => changeCustomer(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
