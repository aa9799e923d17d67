import { Type } from 'typebox';
import { paymentForOrderPage } from '../../../../flows/checkout/orders.ts';
import { addPayerMessage } from '../../../../flows/support/support-requests.ts';
import { errorResponses, requestObject } from '../../../schemas.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { TokenQuery } from '../orders/schemas.ts';
import { MessageBody, SupportRequest } from './schemas.ts';

export function registerOrderSupportRequestsMessage(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/orders/:id/support_requests/:request/messages',
    {
      config: { addressLimit: 'payer' },
      schema: {
        tags: ['Support'],
        summary: 'The payer writes again in a thread; on a resolved request this reopens it',
        params: Type.Object({ id: Type.String({ maxLength: 64 }), request: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
        querystring: TokenQuery,
        body: requestObject({ message: MessageBody }),
        response: { 200: SupportRequest, ...errorResponses(400, 404, 409) },
      },
    },
    async (request) =>
      addPayerMessage(deps.context, await paymentForOrderPage(deps.context, request.params.id, request.query.token), request.params.request, request.body.message),
  );
}
