import { Type } from 'typebox';
import { paymentForOrderPage } from '../../../../flows/checkout/orders.ts';
import { supportThreadsOfPayment } from '../../../../flows/support/support-requests.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { TokenQuery } from '../orders/schemas.ts';
import { SupportRequest } from './schemas.ts';

export function registerOrderSupportRequestsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/orders/:id/support_requests',
    {
      config: { addressLimit: 'payer' },
      schema: {
        tags: ['Support'],
        summary: "The payer's support requests on this payment, each with its thread, oldest first",
        params: IdParams,
        querystring: TokenQuery,
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(SupportRequest), has_more: Type.Boolean() }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const payment = await paymentForOrderPage(deps.context, request.params.id, request.query.token);
      return { object: 'list' as const, data: await supportThreadsOfPayment(deps.context, payment), has_more: false };
    },
  );
}
