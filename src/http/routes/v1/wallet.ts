import { Type } from 'typebox';
import { getPayment } from '../../../flows/payments/create-payment.ts';
import { createTopUp, getWallet, setWalletPin, walletInquiry, walletTransactions } from '../../../flows/wallet/wallet.ts';
import {
  ClientSecret,
  CurrencyInput,
  IdParams,
  ListQuery,
  Payment,
  PaymentCommonFields,
  Wallet,
  WalletInquiry,
  WalletTransaction,
  errorResponses,
  listOf,
  requestObject,
  stringEnum,
} from '../../schemas.ts';
import { bearerAuth, checkPayerAccess, paymentView, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

const CurrencyQuery = Type.Object({ currency: Type.Optional(CurrencyInput) }, { additionalProperties: false });

const TopUpBody = requestObject({
  ...PaymentCommonFields,
  payment_method_types: Type.Optional(Type.Array(stringEnum(['card', 'alipay', 'wechat_pay', 'unionpay'] as const), { minItems: 1, maxItems: 4 })),
});

export function registerWallet(app: App, deps: RouteDeps): void {
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

  app.put(
    '/v1/customers/:id/wallet/pin',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Wallet'],
        summary: 'Set or replace the payment PIN',
        description:
          'Six digits; the same digit six times or a run (123456, 987654) is refused. Stored as a salted, peppered scrypt hash. Setting a PIN clears a lock. Five wrong PINs in a row lock wallet payments for 15 minutes.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({ pin: Type.String({ pattern: '^[0-9]{6}$', description: 'Six digits.' }) }),
        response: { 200: Wallet, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => setWalletPin(deps.context, scopeOf(request), request.params.id, request.body.pin),
  );

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
