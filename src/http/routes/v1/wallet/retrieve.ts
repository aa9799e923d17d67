import { Type } from 'typebox';
import { getWallet } from '../../../../flows/wallet/wallet.ts';
import { CurrencyInput, IdParams, Wallet, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const CurrencyQuery = Type.Object({ currency: Type.Optional(CurrencyInput) }, { additionalProperties: false });

export function registerWalletRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/customers/:id/wallet',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Wallet'],
        summary: "A customer's wallet balance",
        description: 'Read in constant time from the ledger. Without `currency`, the wallet the customer opened first.',
        security: bearerAuth,
        params: IdParams,
        querystring: CurrencyQuery,
        response: { 200: Wallet, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => getWallet(deps.context, scopeOf(request), request.params.id, request.query.currency),
  );
}
