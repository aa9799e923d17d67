import { getPayment } from '../../../../flows/payments/create-payment.ts';
import { presentAttempt } from '../../../../flows/payments/present.ts';
import { listAttempts } from '../../../../store/payments.ts';
import { Attempt, IdParams, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerPaymentsAttempts(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/payments/:id/attempts',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Payments'],
        summary: "List a payment's attempts at its provider, oldest first",
        description: 'Each authorization, capture and release sent to a provider, with its connector account, status, error and latency.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: listOf(Attempt), ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const payment = await getPayment(deps.context, scopeOf(request), request.params.id);
      const attempts = await listAttempts(deps.context.db, payment.merchant_id, payment.id);
      return { object: 'list' as const, data: attempts.map(presentAttempt), has_more: false };
    },
  );
}
