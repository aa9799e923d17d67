import { consoleCustomer } from '../../../../flows/console/customers.ts';
import { IdParams } from '../../../schemas.ts';
import { ModeQuery, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

/** One customer with their restriction, segment and wallet (null without one). */
export function registerConsoleCustomersRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/console/api/customers/:id',
    { config: { console: { permission: 'customers.read' } }, schema: { ...consoleSchema, params: IdParams, querystring: ModeQuery } },
    async (request) => consoleCustomer(deps.context, consoleScope(request, request.query.mode), request.params.id, request.locale),
  );
}
