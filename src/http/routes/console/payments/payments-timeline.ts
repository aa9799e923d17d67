import { paymentTimeline } from '../../../../flows/console/payment-timeline.ts';
import { findPaymentForConsole } from '../../../../flows/console/payment-search.ts';
import { IdParams } from '../../../schemas.ts';
import { ModeQuery, consoleFoundPaymentView, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

/** Everything that happened to one payment: history, attempts, funnel, webhook deliveries, messages, refunds, and all of them merged by time. */
export function registerConsolePaymentsTimeline(app: App, deps: RouteDeps): void {
  app.get(
    '/console/api/payments/:id/timeline',
    { config: { console: { permission: 'payments.read' } }, schema: { ...consoleSchema, params: IdParams, querystring: ModeQuery } },
    async (request) => {
      const scope = consoleScope(request, request.query.mode);
      const { payment: _record, ...timeline } = await paymentTimeline(deps.context, scope, request.params.id);
      return { object: 'payment_timeline' as const, payment: consoleFoundPaymentView(deps.context, request, await findPaymentForConsole(deps.context, scope, request.params.id)), ...timeline };
    },
  );
}
