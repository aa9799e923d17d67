import { Type } from 'typebox';
import { createTopUp } from '../../../../flows/wallet/wallet.ts';
import { IdParams, Payment, PaymentCommonFields, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { bearerAuth, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const TopUpBody = requestObject({
  ...PaymentCommonFields,
  payment_method_types: Type.Optional(Type.Array(stringEnum(['card', 'alipay', 'wechat_pay', 'unionpay'] as const), { minItems: 1, maxItems: 4 })),
});

export function registerWalletTopUpsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/customers/:id/wallet/top_ups',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Wallet'],
        summary: 'Top up a wallet',
        description:
          'Answers a payment with `purpose: "wallet_top_up"`, paid like any other through its `checkout_url` or `POST /v1/payments/:id/confirm` with any channel but the wallet. The balance rises in the same statement that records the payment as succeeded, never before.',
        security: bearerAuth,
        params: IdParams,
        body: TopUpBody,
        response: { 200: Payment, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => paymentView(deps, request, await createTopUp(deps.context, scopeOf(request), request.params.id, request.body)),
  );
}
