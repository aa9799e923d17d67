/** What every route file uses: its dependencies, the caller's scope, and the payer's access check. */
import { timingSafeEqual } from 'node:crypto';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { PaymentError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/payments/payment-state.ts';
import type { FlowContext } from '../../flows/context.ts';
import { getPayment } from '../../flows/payments/create-payment.ts';
import { presentPayment } from '../../flows/payments/present.ts';
import type { PaymentRecord, Scope } from '../../store/payments.ts';
import { callerOf } from '../plugins/auth.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface RouteDeps {
  context: FlowContext;
}

export function scopeOf(request: FastifyRequest): Scope {
  const caller = callerOf(request);
  return { merchantId: caller.merchantId, mode: caller.mode };
}

export function actorOf(request: FastifyRequest): Actor {
  return callerOf(request).kind === 'publishable' ? 'payer' : 'merchant';
}

/**
 * A publishable key reaches a payment only with its client_secret. A wrong
 * secret answers exactly like a missing payment, so ids cannot be probed.
 */
export async function checkPayerAccess(context: FlowContext, request: FastifyRequest, paymentId: string, clientSecret: string | undefined): Promise<PaymentRecord | null> {
  if (callerOf(request).kind !== 'publishable') return null;
  if (!clientSecret) throw new PaymentError('parameter_missing', { param: 'client_secret' });
  const payment = await getPayment(context, scopeOf(request), paymentId).catch(() => null);
  const expected = Buffer.from(payment?.client_secret ?? '');
  const given = Buffer.from(clientSecret);
  if (!payment || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'payment', id: paymentId } });
  }
  return payment;
}

export function paymentView(deps: RouteDeps, request: FastifyRequest, payment: PaymentRecord) {
  return presentPayment(payment, {
    publicBaseUrl: deps.context.publicBaseUrl,
    locale: request.locale,
    viewer: request.auth?.kind === 'publishable' ? 'payer' : 'merchant',
  });
}

export const bearerAuth = [{ bearerAuth: [] }];
