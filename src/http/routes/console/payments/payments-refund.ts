import { Type } from 'typebox';
import { consoleRefund } from '../../../../flows/console/payments.ts';
import { presentRefund } from '../../../../flows/payments/present.ts';
import { refundReasons } from '../../../../flows/payments/refund-payment.ts';
import { AmountInput, IdParams, requestObject, stringEnum } from '../../../schemas.ts';
import { ModeQuery, consoleActorOf, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Body = requestObject({ amount: Type.Optional(AmountInput), reason: Type.Optional(stringEnum(refundReasons)) });

/**
 * Refunds all that remains or `amount`; a member without `payments.refund_unlimited` (support) only up to the merchant's limit.
 * Takes an Idempotency-Key (kept per member and mode), so a retry after a lost answer never refunds twice.
 */
export function registerConsolePaymentsRefund(app: App, deps: RouteDeps): void {
  app.post(
    '/console/api/payments/:id/refund',
    { config: { console: { permission: 'payments.refund' }, consoleIdempotency: true }, schema: { ...consoleSchema, params: IdParams, querystring: ModeQuery, body: Body } },
    async (request) => {
      const scope = consoleScope(request, request.query.mode);
      return presentRefund(await consoleRefund(deps.context, consoleActorOf(request), scope, { payment: request.params.id, ...request.body }));
    },
  );
}
