/** What console route files share: the mode a request works in, and how a payment is shown to members. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { presentPayment } from '../../../flows/payments/present.ts';
import type { FlowContext } from '../../../flows/context.ts';
import type { FoundPayment } from '../../../flows/console/payment-search.ts';
import type { PaymentRecord, Scope } from '../../../store/payments.ts';
import { consoleActorOf } from '../../plugins/console-session.ts';
import { stringEnum } from '../../schemas.ts';

export { consoleActorOf, originOf } from '../../plugins/console-session.ts';
export type { App, RouteDeps } from '../route-kit.ts';

/** Console routes are not part of the public API's reference. */
export const consoleSchema = { hide: true } as const;

/** Which of the merchant's data a payments route reads or changes: live (the default) or test. */
export const ModeQuery = Type.Object({ mode: Type.Optional(stringEnum(['test', 'live'] as const)) }, { additionalProperties: false });

export function consoleScope(request: FastifyRequest, mode: 'test' | 'live' | undefined): Scope {
  return { merchantId: consoleActorOf(request).merchantId, mode: mode ?? 'live' };
}

/** A payment found by the console's search, with what the search matched on. */
export function consoleFoundPaymentView(context: FlowContext, request: FastifyRequest, payment: FoundPayment) {
  const { customer_email: customerEmail, order_reference: orderReference, card_last4: cardLast4, connector_account: connectorAccount, ...record } = payment;
  return {
    ...consolePaymentView(context, request, record),
    customer_email: customerEmail,
    order_reference: orderReference,
    card_last4: cardLast4,
    connector_account: connectorAccount,
  };
}

/** A payment as members see it: the merchant's view, without what only the payer's browser needs. */
export function consolePaymentView(context: FlowContext, request: FastifyRequest, payment: PaymentRecord) {
  const { client_secret: _clientSecret, checkout_url: _checkoutUrl, ...view } = presentPayment(payment, { publicBaseUrl: context.publicBaseUrl, locale: request.locale, viewer: 'merchant' });
  return view;
}
