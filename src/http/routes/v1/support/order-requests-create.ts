import { Type } from 'typebox';
import { contactPreferences, supportCategories } from '../../../../domain/support/support-request.ts';
import { paymentForOrderPage } from '../../../../flows/checkout/orders.ts';
import { createSupportRequest } from '../../../../flows/support/support-requests.ts';
import { IdParams, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import type { App, RouteDeps } from '../../route-kit.ts';
import { TokenQuery } from '../orders/schemas.ts';
import { LocaleInput, MessageBody, SupportRequest } from './schemas.ts';

export function registerOrderSupportRequestsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/orders/:id/support_requests',
    {
      config: { addressLimit: 'payer' },
      schema: {
        tags: ['Support'],
        summary: 'The payer asks for help on this payment (order page and checkout result page)',
        description:
          "With the order link's `token` (the checkout's result page has it in the session's `order_url`). The answer goes by `contact_preference`: to `email` or `phone`, or to the customer's address on file when they are left out. At most a few requests per payment may be open at once (409 `support_request_limit_reached`).",
        params: IdParams,
        querystring: TokenQuery,
        body: requestObject({
          category: stringEnum(supportCategories),
          message: MessageBody,
          contact_preference: stringEnum(contactPreferences),
          email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
          phone: Type.Optional(Type.String({ minLength: 5, maxLength: 32, pattern: '^\\+?[0-9 ()-]+$' })),
          locale: Type.Optional(LocaleInput),
        }),
        response: { 200: SupportRequest, ...errorResponses(400, 404, 409) },
      },
    },
    async (request) => createSupportRequest(deps.context, await paymentForOrderPage(deps.context, request.params.id, request.query.token), request.body),
  );
}
