import { Type } from 'typebox';
import { confirmPayment, type PaymentMethodInput } from '../../../../flows/payments/confirm-payment.ts';
import { ClientSecret, IdParams, Payment, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { actorOf, bearerAuth, checkPayerAccess, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Card = requestObject({
  number: Type.String({ pattern: '^[0-9]{12,19}$', description: 'Digits only.' }),
  exp_month: Type.Integer({ minimum: 1, maximum: 12 }),
  exp_year: Type.Integer({ minimum: 2000, maximum: 2100 }),
  cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
});

// One variant per `type`: the discriminator makes a validation error speak of the variant the payer chose.
const PaymentMethod = Type.Unsafe<PaymentMethodInput>({
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    requestObject({ type: Type.Literal('card'), card: Card }),
    requestObject({ type: Type.Literal('alipay') }),
    requestObject({ type: Type.Literal('wechat_pay') }),
    requestObject({ type: Type.Literal('unionpay') }),
    requestObject({ type: Type.Literal('wallet'), wallet: requestObject({ pin: Type.String({ pattern: '^[0-9]{6}$' }) }) }),
  ],
});

const Body = requestObject({
  payment_method: Type.Optional(PaymentMethod),
  otp: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', description: 'The one-time code, when next_action is verify_otp.' })),
  return_url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^https?://' })),
  payment_method_options: Type.Optional(
    requestObject({
      wechat_pay: Type.Optional(
        requestObject({
          openid: Type.String({
            pattern: '^[A-Za-z0-9_-]{1,128}$',
            description: "The payer's openid under the WeChat Pay account's appid, when the payer is inside WeChat: the order is then a JSAPI order and `next_action` is `wechat_pay_jsapi`, the parameters for WeixinJSBridge getBrandWCPayRequest.",
          }),
        }),
      ),
      alipay: Type.Optional(
        requestObject(
          {
            client: stringEnum(['app', 'mini_program'] as const, {
              description:
                "`app`: the payer pays in the merchant's own app; `next_action` is `alipay_app`, whose `order_string` the app hands to Alipay's SDK (alipay.trade.app.pay). `mini_program`: the payer pays in the merchant's Alipay mini program; `next_action` is `alipay_mini_program`, whose `trade_no` the page passes to `my.tradePay({ tradeNO })` (alipay.trade.create, JSAPI_PAY). Either way the payment completes when Alipay's notification arrives or a status query finds it paid; the client's own result is not trusted. A buyer Alipay will not make the trade for (the seller's own account, a restricted account, one over its payment limit) answers 402 `alipay_buyer_refused` and the payment returns to `requires_payment_method`.",
            }),
            buyer_id: Type.Optional(Type.String({ pattern: '^2088[0-9]{12}$', description: "mini_program: the payer's Alipay user id (2088 and 12 digits). Exactly one of buyer_id and buyer_open_id." })),
            buyer_open_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$', description: "mini_program: the payer's open id under the mini program. Exactly one of buyer_id and buyer_open_id." })),
            op_app_id: Type.Optional(Type.String({ pattern: '^[0-9]{1,32}$', description: "mini_program: the mini program's app id, when it is not the Alipay account's own app_id." })),
          },
          { description: 'Alipay outside a browser. Only with `payment_method.type` `alipay`.' },
        ),
      ),
    }),
  ),
  points: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1_000_000_000,
      description:
        "Loyalty points to redeem (the payment's customer's): their value, rounded down and capped by the programme, comes off `amount`; only the points that value needs are reserved, and spent when the payment succeeds. 0 gives back points an earlier confirm reserved.",
    }),
  ),
  client_secret: Type.Optional(ClientSecret),
  risk: Type.Optional(
    requestObject(
      {
        device_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "The checkout's own id for the payer's device; velocity is counted per device." })),
        email: Type.Optional(Type.String({ maxLength: 320, format: 'email' })),
        phone: Type.Optional(Type.String({ maxLength: 32, pattern: '^\\+?[0-9 ()-]{4,32}$' })),
        billing_address: Type.Optional(
          requestObject({
            line1: Type.Optional(Type.String({ maxLength: 200 })),
            line2: Type.Optional(Type.String({ maxLength: 200 })),
            city: Type.Optional(Type.String({ maxLength: 100 })),
            postal_code: Type.Optional(Type.String({ maxLength: 20 })),
            country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2.' })),
          }),
        ),
      },
      { description: "What the checkout knows of the payer, for the merchant's risk rules (docs/api-risk.md): velocity per device and address, the card's country against the address's, blocklist matches. Kept only as the risk decision's keys (an address as a keyed hash)." },
    ),
  ),
});

export function registerPaymentsConfirm(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments/:id/confirm',
    {
      // The key is claimed by the flow's first write, in its statement (see plugins/idempotency.ts).
      config: { auth: 'client', idempotencyClaim: 'with_first_write' },
      schema: {
        tags: ['Payments'],
        summary: 'Confirm a payment with a payment method, or a one-time code',
        description:
          'Secret key, or publishable key with `client_secret`. A declined attempt answers 402 and returns the payment to `requires_payment_method` so the payer can try again. A customer flagged for abuse of cancellation is refused (403 `customer_restricted`) or first sent a one-time code (`requires_action`, `next_action.verify_otp.reason = customer_verification`), as the merchant set in /v1/cancellation_abuse_settings.',
        security: bearerAuth,
        params: IdParams,
        body: Body,
        response: { 200: Payment, ...errorResponses(400, 401, 402, 403, 404, 409, 503) },
      },
    },
    async (request) => {
      await checkPayerAccess(deps.context, request, request.params.id, request.body.client_secret);
      const { client_secret: _secret, ...input } = request.body;
      // A phone gets a redirect to the provider's page, anything else a QR code to scan.
      const device = /Mobi|Android|iPhone|iPad/i.test(request.headers['user-agent'] ?? '') ? 'mobile' : 'desktop';
      const payment = await confirmPayment(deps.context, scopeOf(request), actorOf(request), request.params.id, input, { device, ip: request.ip });
      return paymentView(deps, request, payment);
    },
  );
}
