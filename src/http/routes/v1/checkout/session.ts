import { Type } from 'typebox';
import { checkoutSession } from '../../../../flows/checkout/checkout.ts';
import { getPayment } from '../../../../flows/payments/create-payment.ts';
import { ClientSecret, IdParams, Nullable, Payment, WalletInquiry, errorResponses } from '../../../schemas.ts';
import { PayerId } from './schemas.ts';
import { Presentation } from '../experiments/schemas.ts';
import { bearerAuth, checkPayerAccess, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Checkout = Type.Object({
  object: Type.Literal('checkout'),
  payment: Payment,
  merchant: Type.Object({ name: Type.String() }),
  customer_locale: Nullable(Type.String()),
  methods: Type.Array(Type.String(), { description: 'The methods to offer, in the order to show them.' }),
  preselected_method: Nullable(Type.String({ description: "The method this customer's last payment used, when offered." })),
  wallet: Nullable(Type.Object({ available: Type.Integer(), covers: Type.Boolean(), shortfall: Type.Integer(), pin: WalletInquiry.properties.pin })),
  points: Nullable(
    Type.Object(
      {
        balance: Type.Integer({ description: 'Points the payer can spend now.' }),
        balance_value: Type.Integer(),
        usable: Type.Integer({ description: 'The most points this payment can take (the programme cap, the balance).' }),
        usable_value: Type.Integer(),
        amount_original: Type.Integer(),
        amount_due_with_points: Type.Integer({ description: 'What remains to pay when `usable` points are used.' }),
        redeemed: Type.Integer({ description: 'Points a confirm already reserved for this payment.' }),
      },
      { description: "The payer's loyalty points for this payment; null when points do not apply (no customer, no programme in this currency)." },
    ),
  ),
  cancellation_reasons: Type.Array(Type.String()),
  order_url: Nullable(Type.String({ description: "The payer's order page, once paid." })),
  feedback: Nullable(Type.Object({ rating: Type.Integer(), comment: Nullable(Type.String()), nps_score: Nullable(Type.Integer()) })),
  presentation: Presentation,
  experiment: Nullable(
    Type.Object(
      { id: Type.String(), variant: Type.String() },
      { description: 'The running experiment and the variant this payer is assigned to; the checkout reports it with `checkout_viewed`, which records the exposure.' },
    ),
  ),
});

export function registerCheckoutSession(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/payments/:id/checkout',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Checkout'],
        summary: 'Everything the hosted checkout shows',
        description: 'Publishable key with `client_secret` (or a secret key): the payment as the payer sees it, the merchant, the methods to offer and the one to preselect, the wallet inquiry, any rating, and the presentation (the merchant\'s checkout setting, with the variant of a running experiment over it for this payer: the customer, else `payer_id`).',
        security: bearerAuth,
        params: IdParams,
        querystring: Type.Object({ client_secret: Type.Optional(ClientSecret), payer_id: Type.Optional(PayerId) }, { additionalProperties: false }),
        response: { 200: Checkout, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const payerView = await checkPayerAccess(deps.context, request, request.params.id, request.query.client_secret);
      const payment = payerView ?? (await getPayment(deps.context, scopeOf(request), request.params.id));
      return { ...(await checkoutSession(deps.context, payment, request.query.payer_id)), payment: paymentView(deps, request, payment) };
    },
  );
}
