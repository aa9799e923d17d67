import { Type } from 'typebox';
import { consoleCapture } from '../../../../flows/console/payments.ts';
import { AmountInput, IdParams, requestObject } from '../../../schemas.ts';
import { ModeQuery, consoleActorOf, consolePaymentView, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

export function registerConsolePaymentsCapture(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/payments/:id/capture',
    {
      config: { console: { permission: 'payments.capture' } },
      schema: { ...consoleSchema, params: IdParams, querystring: ModeQuery, body: requestObject({ amount_to_capture: Type.Optional(AmountInput) }) },
    },
    async (request) => {
      const payment = await consoleCapture(deps.context, consoleActorOf(request), consoleScope(request, request.query.mode), request.params.id, request.body);
      return consolePaymentView(deps.context, request, payment);
    },
  );
}
