import { Type } from 'typebox';
import { checkoutSession, funnelOfPayment, rateCheckout, recordCheckoutStep } from '../../../flows/checkout.ts';
import { clientFunnelSteps, funnelStepTypes } from '../../../domain/funnel.ts';
import { locales } from '../../../domain/locale.ts';
import { getPayment } from '../../../flows/create-payment.ts';
import { ClientSecret, IdParams, Nullable, Payment, WalletInquiry, errorResponses, listOf, requestObject, stringEnum } from '../../schemas.ts';
import { bearerAuth, checkPayerAccess, paymentView, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

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
});

export function registerCheckout(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/payments/:id/checkout',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Checkout'],
        summary: 'Everything the hosted checkout shows',
        description: 'Publishable key with `client_secret` (or a secret key): the payment as the payer sees it, the merchant, the methods to offer and the one to preselect, the wallet inquiry, and any rating.',
        security: bearerAuth,
        params: IdParams,
        querystring: Type.Object({ client_secret: Type.Optional(ClientSecret) }, { additionalProperties: false }),
        response: { 200: Checkout, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const payerView = await checkPayerAccess(deps.context, request, request.params.id, request.query.client_secret);
      const payment = payerView ?? (await getPayment(deps.context, scopeOf(request), request.params.id));
      return { ...(await checkoutSession(deps.context, payment)), payment: paymentView(deps, request, payment) };
    },
  );

  app.post(
    '/v1/payments/:id/feedback',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Checkout'],
        summary: "The payer's satisfaction rating (1–5) of a finished payment, and optionally the NPS answer (0–10)",
        description:
          'Once per payment: a second rating answers the first. `nps_score` ("how likely are you to recommend the merchant", 0–10) may come with the rating or in a later call with the same rating; its first answer stands too. Counted as CSAT and NPS in `GET /v1/analytics/feedback`.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({
          client_secret: Type.Optional(ClientSecret),
          rating: Type.Integer({ minimum: 1, maximum: 5 }),
          comment: Type.Optional(Type.String({ maxLength: 500 })),
          nps_score: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
        }),
        response: {
          200: Type.Object({ object: Type.Literal('feedback'), payment: Type.String(), rating: Type.Integer(), comment: Nullable(Type.String()), nps_score: Nullable(Type.Integer()) }),
          ...errorResponses(400, 401, 404, 409),
        },
      },
    },
    async (request) => {
      const payerView = await checkPayerAccess(deps.context, request, request.params.id, request.body.client_secret);
      const payment = payerView ?? (await getPayment(deps.context, scopeOf(request), request.params.id));
      return rateCheckout(deps.context, payment, request.body);
    },
  );

  app.post(
    '/v1/payments/:id/funnel_events',
    {
      config: { auth: 'client' },
      schema: {
        tags: ['Checkout'],
        summary: 'The checkout reports a step only the browser sees',
        description: '`checkout_viewed` or `method_chosen` (with `payment_method_type`). The device class comes from the User-Agent. The server records every other step itself, with the change that makes it.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({
          client_secret: Type.Optional(ClientSecret),
          type: stringEnum(clientFunnelSteps),
          payment_method_type: Type.Optional(stringEnum(['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const)),
          locale: Type.Optional(stringEnum(locales)),
        }),
        response: {
          200: Type.Object({ object: Type.Literal('funnel_event'), type: Type.String(), recorded: Type.Boolean() }),
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (request) => {
      const payerView = await checkPayerAccess(deps.context, request, request.params.id, request.body.client_secret);
      const payment = payerView ?? (await getPayment(deps.context, scopeOf(request), request.params.id));
      return recordCheckoutStep(deps.context, payment, request.body, request.headers['user-agent']);
    },
  );

  app.get(
    '/v1/payments/:id/funnel_events',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Checkout'],
        summary: "A payment's checkout funnel, oldest first",
        security: bearerAuth,
        params: IdParams,
        response: {
          200: listOf(
            Type.Object({
              object: Type.Literal('funnel_event'),
              type: stringEnum(funnelStepTypes),
              payment_method_type: Nullable(Type.String()),
              device_class: Nullable(Type.String()),
              locale: Nullable(Type.String()),
              error_code: Nullable(Type.String()),
              reason: Nullable(Type.String()),
              created_at: Type.String({ format: 'date-time' }),
            }),
          ),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request) => funnelOfPayment(deps.context, await getPayment(deps.context, scopeOf(request), request.params.id)),
  );
}
