import { Type } from 'typebox';
import { walletTransactions } from '../../../../flows/wallet/wallet.ts';
import { CurrencyInput, IdParams, ListQuery, WalletTransaction, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerWalletTransactionsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/customers/:id/wallet/transactions',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Wallet'],
        summary: "A wallet's movements, newest first",
        description: 'Each line is one ledger transaction: how it changed the available and held balances, and the payment or refund it belongs to.',
        security: bearerAuth,
        params: IdParams,
        querystring: Type.Object({ ...ListQuery, currency: Type.Optional(CurrencyInput) }, { additionalProperties: false }),
        response: { 200: listOf(WalletTransaction), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => walletTransactions(deps.context, scopeOf(request), request.params.id, request.query),
  );
}
