import { getPayment } from '../../../../flows/create-payment.ts';
import { IdParams } from '../../../schemas.ts';
import { ModeQuery, consolePaymentView, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

export function registerConsolePaymentsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/console/api/payments/:id',
    { config: { console: { permission: 'payments.read' } }, schema: { ...consoleSchema, params: IdParams, querystring: ModeQuery } },
    async (request) => consolePaymentView(deps.context, request, await getPayment(deps.context, consoleScope(request, request.query.mode), request.params.id)),
  );
}
