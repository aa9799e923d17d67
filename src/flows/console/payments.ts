/**
 * What the console does to payments: the same flows as the API's refund,
 * capture and cancel (no second copy of their rules), with the console's
 * own two additions: the refund limit of members who may refund only up to
 * it (support), and an audit row for each action that took effect.
 */
import { roleAllows } from '../../domain/console/permissions.ts';
import { PaymentError } from '../../domain/errors.ts';
import { formatDecimal, isCurrency } from '../../domain/money.ts';
import type { CancellationReason } from '../../domain/payments/payment-state.ts';
import { findRefundLimit } from '../../store/console/refund-limits.ts';
import type { Scope } from '../../store/payments.ts';
import { cancelPayment } from '../payments/cancel-payment.ts';
import { capturePayment } from '../payments/capture-payment.ts';
import type { FlowContext } from '../context.ts';
import { getPayment } from '../payments/create-payment.ts';
import { refundPayment, type RefundReason } from '../payments/refund-payment.ts';
import { audit, byMember, type ConsoleActor } from './audit.ts';

export async function consoleRefund(context: FlowContext, actor: ConsoleActor, scope: Scope, input: { payment: string; amount?: number; reason?: RefundReason }) {
  const payment = await getPayment(context, scope, input.payment);
  if (!roleAllows(actor.role, 'payments.refund_unlimited')) {
    const limit = await findRefundLimit(context.db, actor.merchantId, payment.currency);
    const amount = input.amount === undefined ? payment.amount_received - payment.amount_refunded : BigInt(input.amount);
    if (amount > limit) throw new PaymentError('console_refund_over_limit', { param: 'amount', paymentId: payment.id, details: { limit: isCurrency(payment.currency) ? `${formatDecimal(limit, payment.currency)} ${payment.currency}` : limit.toString() } });
  }
  const refund = await refundPayment(context, scope, input);
  await audit(
    context,
    context.db,
    byMember(actor, 'payment.refunded', { type: 'payment', id: payment.id }, {
      before: { amount_refunded: payment.amount_refunded },
      after: { refund: refund.id, amount: refund.amount, currency: refund.currency, status: refund.status, reason: refund.reason, mode: scope.mode },
    }),
  );
  return refund;
}

export async function consoleCapture(context: FlowContext, actor: ConsoleActor, scope: Scope, paymentId: string, input: { amount_to_capture?: number }) {
  const before = await getPayment(context, scope, paymentId);
  const payment = await capturePayment(context, scope, paymentId, input);
  await audit(
    context,
    context.db,
    byMember(actor, 'payment.captured', { type: 'payment', id: paymentId }, {
      before: { status: before.status, amount_capturable: before.amount_capturable },
      after: { status: payment.status, amount_received: payment.amount_received, mode: scope.mode },
    }),
  );
  return payment;
}

export async function consoleCancel(context: FlowContext, actor: ConsoleActor, scope: Scope, paymentId: string, input: { cancellation_reason?: CancellationReason; comment?: string }) {
  const before = await getPayment(context, scope, paymentId);
  const payment = await cancelPayment(context, scope, 'merchant', paymentId, input);
  await audit(
    context,
    context.db,
    byMember(actor, 'payment.canceled', { type: 'payment', id: paymentId }, {
      before: { status: before.status },
      after: { status: payment.status, cancellation_reason: payment.cancellation_reason, mode: scope.mode },
    }),
  );
  return payment;
}
