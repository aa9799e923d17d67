import { findPaymentForConsole } from '../../../../flows/console/payment-search.ts';
import { IdParams } from '../../../schemas.ts';
import { ModeQuery, consoleFoundPaymentView, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

export function registerConsolePaymentsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/console/api/payments/:id',
    { config: { console: { permission: 'payments.read' } }, schema: { ...consoleSchema, params: IdParams, querystring: ModeQuery } },
    async (request) => consoleFoundPaymentView(deps.context, request, await findPaymentForConsole(deps.context, consoleScope(request, request.query.mode), request.params.id)),
  );
}
