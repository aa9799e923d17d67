import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { cancellationReasons } from '../../../../domain/payments/payment-state.ts';
import { consoleCancel } from '../../../../flows/console/payments.ts';
import { IdParams, requestObject, stringEnum } from '../../../schemas.ts';
import { ModeQuery, consoleActorOf, consolePaymentView, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Body = requestObject({
  cancellation_reason: Type.Optional(stringEnum(cancellationReasons)),
  comment: Type.Optional(Type.String({ maxLength: limits.cancellationCommentLengthMax })),
});

export function registerConsolePaymentsCancel(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/payments/:id/cancel',
    { config: { console: { permission: 'payments.cancel' } }, schema: { ...consoleSchema, params: IdParams, querystring: ModeQuery, body: Body } },
    async (request) => {
      const payment = await consoleCancel(deps.context, consoleActorOf(request), consoleScope(request, request.query.mode), request.params.id, request.body);
      return consolePaymentView(deps.context, request, payment);
    },
  );
}
