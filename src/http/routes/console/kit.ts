/** What console route files share: the mode a request works in, and how a payment is shown to members. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { presentPayment } from '../../../flows/present.ts';
import type { FlowContext } from '../../../flows/context.ts';
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

/** A payment as members see it: the merchant's view, without what only the payer's browser needs. */
export function consolePaymentView(context: FlowContext, request: FastifyRequest, payment: PaymentRecord) {
  const { client_secret: _clientSecret, checkout_url: _checkoutUrl, ...view } = presentPayment(payment, { publicBaseUrl: context.publicBaseUrl, locale: request.locale, viewer: 'merchant' });
  return view;
}
