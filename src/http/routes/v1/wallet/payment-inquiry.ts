import { Type } from 'typebox';
import { getPayment } from '../../../../flows/payments/create-payment.ts';
import { walletInquiry } from '../../../../flows/wallet/wallet.ts';
import { ClientSecret, IdParams, WalletInquiry, errorResponses } from '../../../schemas.ts';
import { bearerAuth, checkPayerAccess, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerWalletPaymentInquiry(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/payments/:id/wallet',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Wallet'],
        summary: "Whether the payment's customer can pay it from their wallet",
        description:
          "Secret key, or publishable key with `client_secret` (the checkout). Shows the customer's available balance in the payment's currency only, whether it covers the amount, and the PIN's state.",
        security: bearerAuth,
        params: IdParams,
        querystring: Type.Object({ client_secret: Type.Optional(ClientSecret) }, { additionalProperties: false }),
        response: { 200: WalletInquiry, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const payerView = await checkPayerAccess(deps.context, request, request.params.id, request.query.client_secret);
      return walletInquiry(deps.context, payerView ?? (await getPayment(deps.context, scopeOf(request), request.params.id)));
    },
  );
}
