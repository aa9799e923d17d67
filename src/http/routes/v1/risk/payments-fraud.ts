import { Type } from 'typebox';
import { markPaymentFraudulent } from '../../../../flows/risk/blocklists.ts';
import { IdParams, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { BlocklistEntry, tags } from './schemas.ts';

const FraudBody = requestObject({
  block: Type.Optional(
    Type.Array(stringEnum(['card', 'email', 'phone', 'device', 'address', 'customer'] as const), {
      maxItems: 6,
      description: "What of the payment to add to the blocklist (default card, email and device): the values its risk decision recorded, else the payment's card and customer.",
    }),
  ),
  note: Type.Optional(Type.String({ maxLength: 500 })),
  source: Type.Optional(stringEnum(['merchant', 'early_fraud_warning', 'chargeback'] as const)),
});

export function registerPaymentFraud(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments/:id/fraud',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Mark a payment fraudulent',
        description: "Counts in the fraud rate, labels the payment for the merchant's risk model, and adds what `block` names to the blocklist. Marking again changes nothing but may add entries.",
        security: bearerAuth,
        params: IdParams,
        body: FraudBody,
        response: {
          200: Type.Object({ object: Type.Literal('fraud_mark'), payment: Type.String(), source: Type.String(), note: Type.Union([Type.String(), Type.Null()]), created_at: Type.String({ format: 'date-time' }), blocklisted: Type.Array(BlocklistEntry) }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => markPaymentFraudulent(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
