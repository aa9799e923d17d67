import { Type } from 'typebox';
import { createPayment } from '../../../../flows/payments/create-payment.ts';
import { OrderInput, Payment, PaymentCommonFields, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { bearerAuth, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Body = requestObject({
  ...PaymentCommonFields,
  capture_method: Type.Optional(stringEnum(['automatic', 'manual'] as const)),
  payment_method_types: Type.Optional(
    Type.Array(stringEnum(['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const), {
      minItems: 1,
      maxItems: 5,
      description:
        'Default: every method the merchant has enabled that can take the currency (Alipay, WeChat Pay and UnionPay take CNY only), and the wallet when the payment names a customer. A method that is not enabled, or cannot take the currency, is refused with payment_method_unavailable.',
    }),
  ),
  customer: Type.Optional(Type.String({ maxLength: 64 })),
  order: Type.Optional(OrderInput),
  coupon: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 40,
      description:
        'A coupon code (any case). `amount` is then the original price; the payment shows amount_original, amount_discount and amount_due, and charges amount_due. The coupon is checked now (window, currency, minimum, methods, customer) and its limits reserved at confirm.',
    }),
  ),
});

export function registerPaymentsCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/payments',
    {
      // The key is claimed by the flow's first write, in its statement (see plugins/idempotency.ts).
      config: { auth: 'secret', idempotencyClaim: 'with_first_write' },
      schema: {
        tags: ['Payments'],
        summary: 'Create a payment',
        security: bearerAuth,
        body: Body,
        response: { 200: Payment, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const payment = await createPayment(deps.context, scopeOf(request), request.body);
      return paymentView(deps, request, payment);
    },
  );
}
