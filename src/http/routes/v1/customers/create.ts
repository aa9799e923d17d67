import { createCustomer } from '../../../../flows/customers/create-customer.ts';
import { Customer, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { CustomerFields } from './schemas.ts';

export function registerCustomersCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/customers',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Customers'],
        summary: 'Create a customer',
        security: bearerAuth,
        body: requestObject(CustomerFields),
        response: { 200: Customer, ...errorResponses(400, 401) },
      },
    },
    async (request) => createCustomer(deps.context, scopeOf(request), request.body),
  );
}
