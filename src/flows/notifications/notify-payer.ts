/**
 * Telling the payer what happened to their payment: when it succeeds, fails
 * for good, is canceled or refunded, an email and an SMS (each if the
 * customer has the address and has not opted out), in the customer's
 * language and time zone, with the merchant, the order number, the amount,
 * the method and a link to the order page.
 *
 * Run by the worker for each such event (queued by the events trigger, in the
 * transaction of the change). Messages are keyed by event and channel, so a
 * repeated job, or a provider that notified three times, sends one message.
 */
import { isCurrency } from '../../domain/money.ts';
import { isLocale, type Locale } from '../../domain/locale.ts';
import { orderPageToken } from '../../domain/secrets.ts';
import type { CardBrand } from '../../domain/payments/card.ts';
import { renderPayerMessage, type PayerMessageKind, type PayerPaymentMethod } from '../../domain/payer-messages.ts';
import { findMerchant } from '../../store/merchants.ts';
import { queueMessages, type NewMessage } from '../../store/messages.ts';
import { findPaymentById, type PaymentRecord } from '../../store/payments.ts';
import { now, type FlowContext } from '../context.ts';
import { presentError, type StoredError } from '../payments/present.ts';

export async function notifyPayer(context: FlowContext, eventId: string, merchantId: string | null = null): Promise<number> {
  // The events trigger's job names the event's merchant since migration 0061; a job queued before names the event alone.
  let query = context.db.selectFrom('events').selectAll().where('id', '=', eventId);
  if (merchantId !== null) query = query.where('merchant_id', '=', merchantId);
  const event = await query.executeTakeFirst();
  if (!event) return 0;
  const refund = event.type.startsWith('refund.')
    ? await context.db.selectFrom('refunds').selectAll().where('merchant_id', '=', event.merchant_id).where('id', '=', event.object_id).executeTakeFirst()
    : undefined;
  const payment = await findPaymentById(context.db, event.merchant_id, refund ? refund.payment_id : event.object_id);
  if (!payment?.customer_id || !isCurrency(payment.currency)) return 0;
  const customer = await context.db.selectFrom('customers').selectAll().where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.customer_id).executeTakeFirst();
  const merchant = await findMerchant(context.db, payment.merchant_id);
  const kind = messageKind(event.type, payment);
  if (!customer || !merchant || !kind) return 0;
  const locale: Locale = isLocale(customer.locale) ? customer.locale : 'en';
  const rendered = renderPayerMessage({
    kind,
    locale,
    merchantName: merchant.name,
    customerName: customer.name,
    orderNumber: orderNumberOf(payment),
    paymentId: payment.id,
    amount: payment.amount,
    currency: payment.currency,
    refundAmount: refund ? refund.amount : null,
    paymentMethod: methodOf(payment.payment_method),
    occurredAt: event.created_at,
    timeZone: customer.time_zone,
    orderUrl: orderPageUrl(context, payment.id),
    cancellationReason: kind === 'payment_canceled' ? payment.cancellation_reason : null,
    failureMessage: kind === 'payment_failed' && payment.last_error ? presentError(payment.last_error as StoredError, locale, 'payer').message : null,
    points: { earned: payment.points_earned, redeemed: payment.points_redeemed, value: payment.points_value },
    coupon: payment.coupon_code !== null ? { code: payment.coupon_code, discount: payment.amount_discount } : null,
  });
  const base = {
    merchantId: merchant.id,
    mode: payment.mode,
    purpose: `payer_${kind}`,
    locale,
    customerId: customer.id,
    paymentId: payment.id,
    eventId: event.id,
  };
  const messages: NewMessage[] = [];
  if (customer.email && !customer.email_opt_out) {
    messages.push({ ...base, id: context.ids.newId('msg'), channel: 'email', dedupeKey: `${event.id}:email`, recipient: customer.email, subject: rendered.subject, bodyText: rendered.text, bodyHtml: rendered.html });
  }
  if (customer.phone && !customer.sms_opt_out) {
    messages.push({ ...base, id: context.ids.newId('msg'), channel: 'sms', dedupeKey: `${event.id}:sms`, recipient: customer.phone, subject: null, bodyText: rendered.sms, bodyHtml: null });
  }
  return (await queueMessages(context.db, messages, now(context), context.keys.messages)).length;
}

/** A cancellation after a failed attempt is a failure for the payer: their money did not go through. */
function messageKind(eventType: string, payment: PaymentRecord): PayerMessageKind | null {
  if (eventType === 'payment.succeeded') return 'payment_succeeded';
  if (eventType === 'refund.succeeded') return 'refund_succeeded';
  if (eventType !== 'payment.canceled') return null;
  return payment.last_error && payment.cancellation_reason === 'abandoned' ? 'payment_failed' : 'payment_canceled';
}

export function orderNumberOf(payment: PaymentRecord): string {
  const reference = (payment.order_details as { reference?: unknown } | null)?.reference;
  return typeof reference === 'string' && reference.length > 0 ? reference : payment.id;
}

/** The payer's order page: the payment id and a token that opens that page alone. */
export function orderPageUrl(context: FlowContext, paymentId: string): string {
  return `${context.publicBaseUrl}/orders/${paymentId}?token=${orderPageToken(paymentId, context.keys.orderPage)}`;
}

function methodOf(stored: unknown): PayerPaymentMethod | null {
  const method = stored as { type?: string; card?: { brand?: string; last4?: string } } | null;
  switch (method?.type) {
    case 'card':
      return { type: 'card', brand: (method.card?.brand ?? 'unknown') as CardBrand, last4: method.card?.last4 ?? '' };
    case 'alipay':
    case 'wechat_pay':
    case 'unionpay':
    case 'wallet':
      return { type: method.type };
    default:
      return null;
  }
}
