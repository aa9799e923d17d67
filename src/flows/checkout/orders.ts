/**
 * Orders after the payment: the merchant posts fulfilment steps (shipped
 * with carrier and tracking number, delivered); the payer follows the order
 * on a page opened by a signed link and may ask for a refund, an exchange or
 * a repair; the merchant approves or rejects, and an approved refund goes
 * through the normal refund flow.
 */
import { timingSafeEqual } from 'node:crypto';
import { PaymentError } from '../../domain/errors.ts';
import { isLocale } from '../../domain/locale.ts';
import { amountToJson } from '../../domain/money.ts';
import { orderPageToken } from '../../domain/secrets.ts';
import { findMerchant } from '../../store/merchants.ts';
import {
  decideAfterSalesRequest,
  findAfterSalesRequest,
  insertAfterSalesRequest,
  insertFulfillmentEvent,
  linkAfterSalesRefund,
  listAfterSalesRequestsOfPayment,
  listFulfillmentEvents,
  reopenAfterSalesRequest,
} from '../../store/orders.ts';
import { findPaymentOfAnyMerchant, type PaymentRecord, type Scope } from '../../store/payments.ts';
import type { AfterSalesRequestRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';
import { getPayment } from '../payments/create-payment.ts';
import { orderNumberOf } from '../notifications/notify-payer.ts';
import { refundPayment } from '../payments/refund-payment.ts';

export const afterSalesKinds = ['refund', 'exchange', 'repair'] as const;
export type AfterSalesKind = (typeof afterSalesKinds)[number];

/** The payment behind an order-page link; a wrong token answers like a missing order. */
export async function paymentForOrderPage(context: FlowContext, paymentId: string, token: string | undefined): Promise<PaymentRecord> {
  const payment = await findPaymentOfAnyMerchant(context.db, paymentId);
  const expected = Buffer.from(orderPageToken(paymentId, context.keys.orderPage));
  const given = Buffer.from(token ?? '');
  if (!payment || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'order', id: paymentId } });
  }
  return payment;
}

export async function orderView(context: FlowContext, payment: PaymentRecord) {
  const [merchant, fulfillments, requests, history, refunds, customer] = await Promise.all([
    findMerchant(context.db, payment.merchant_id),
    listFulfillmentEvents(context.db, payment.merchant_id, payment.id),
    listAfterSalesRequestsOfPayment(context.db, payment.merchant_id, payment.id),
    context.db.selectFrom('payment_events').select(['to_status', 'created_at']).where('merchant_id', '=', payment.merchant_id).where('payment_id', '=', payment.id).where('to_status', '=', 'succeeded').execute(),
    context.db.selectFrom('refunds').select(['id', 'amount', 'status', 'updated_at']).where('merchant_id', '=', payment.merchant_id).where('payment_id', '=', payment.id).orderBy('id').execute(),
    payment.customer_id ? context.db.selectFrom('customers').select('locale').where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.customer_id).executeTakeFirst() : undefined,
  ]);
  const timeline = [
    ...history.map((event) => ({ type: 'paid' as const, at: event.created_at, carrier: null, tracking_number: null, amount: amountToJson(payment.amount_received) })),
    ...fulfillments.map((step) => ({ type: step.type, at: step.created_at, carrier: step.carrier, tracking_number: step.tracking_number, amount: null })),
    // A refund shows once it is settled: refunded, or failed (an approved refund the provider then refused is never shown as refunded).
    ...refunds
      .filter((refund) => refund.status !== 'pending')
      .map((refund) => ({ type: refund.status === 'succeeded' ? ('refunded' as const) : ('refund_failed' as const), at: refund.updated_at, carrier: null, tracking_number: null, amount: amountToJson(refund.amount) })),
    ...(payment.canceled_at ? [{ type: 'canceled' as const, at: payment.canceled_at, carrier: null, tracking_number: null, amount: null }] : []),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const order = payment.order_details as { items?: object[] } | null;
  return {
    object: 'order' as const,
    id: payment.id,
    order_number: orderNumberOf(payment),
    merchant: { name: merchant?.name ?? '' },
    amount: amountToJson(payment.amount),
    currency: payment.currency,
    amount_refunded: amountToJson(payment.amount_refunded),
    status: payment.status,
    payment_method: payerMethod(payment.payment_method),
    description: payment.description,
    items: order?.items ?? null,
    created_at: payment.created_at.toISOString(),
    customer_locale: customer && isLocale(customer.locale) ? customer.locale : null,
    timeline: timeline.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
    // With what became of the refund an approved request made, so the page can say "refund failed" rather than "approved".
    after_sales_requests: requests.map((request) => ({
      ...presentAfterSalesRequest(request),
      refund_status: refunds.find((refund) => refund.id === request.refund_id)?.status ?? null,
    })),
    after_sales_allowed: payment.status === 'succeeded',
  };
}

/** What the payer's page shows of the method: a card as brand and last four, nothing more. */
function payerMethod(stored: unknown) {
  const method = stored as { type?: string; card?: { brand?: string; last4?: string } } | null;
  if (!method?.type) return null;
  return method.type === 'card' ? { type: 'card', card: { brand: method.card?.brand ?? 'unknown', last4: method.card?.last4 ?? '' } } : { type: method.type };
}

export function presentAfterSalesRequest(request: AfterSalesRequestRow) {
  return {
    id: request.id,
    object: 'after_sales_request' as const,
    payment: request.payment_id,
    kind: request.kind,
    reason: request.reason,
    amount: request.amount === null ? null : amountToJson(request.amount),
    status: request.status,
    merchant_note: request.merchant_note,
    refund: request.refund_id,
    created_at: request.created_at.toISOString(),
    decided_at: request.decided_at?.toISOString() ?? null,
  };
}

export interface AfterSalesInput {
  kind: AfterSalesKind;
  reason: string;
  amount?: number;
}

/** The payer asks for a refund (of all that remains, or an amount), an exchange or a repair. */
export async function requestAfterSales(context: FlowContext, payment: PaymentRecord, input: AfterSalesInput) {
  if (payment.status !== 'succeeded') {
    throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: payment.status, action: 'refunded' } });
  }
  const reason = input.reason.trim();
  if (reason.length === 0) throw new PaymentError('parameter_missing', { param: 'reason' });
  if (input.amount !== undefined && input.kind !== 'refund') {
    throw new PaymentError('parameter_invalid', { param: 'amount', details: { reason: 'only a refund request has an amount' } });
  }
  const remaining = payment.amount_received - payment.amount_refunded;
  if (input.amount !== undefined && (input.amount < 1 || BigInt(input.amount) > remaining)) {
    throw new PaymentError('refund_exceeds_payment', { param: 'amount', paymentId: payment.id, details: { remaining: remaining.toString() } });
  }
  const at = now(context);
  const request: AfterSalesRequestRow = {
    id: context.ids.newId('asr'),
    payment_id: payment.id,
    merchant_id: payment.merchant_id,
    mode: payment.mode,
    kind: input.kind,
    reason,
    amount: input.amount === undefined ? null : BigInt(input.amount),
    status: 'pending',
    merchant_note: null,
    refund_id: null,
    created_at: at,
    decided_at: null,
  };
  const view = presentAfterSalesRequest(request);
  await insertAfterSalesRequest(context.db, request, { id: context.ids.newId('evt'), type: 'after_sales_request.created', data: { object: view } });
  return view;
}

/** The merchant records a fulfilment step; the payer's order page shows it. */
export async function addFulfillmentEvent(
  context: FlowContext,
  scope: Scope,
  paymentId: string,
  input: { type: 'shipped' | 'delivered'; carrier?: string; tracking_number?: string; note?: string },
) {
  const payment = await getPayment(context, scope, paymentId);
  if (payment.status !== 'succeeded') {
    throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: payment.status, action: 'fulfilled' } });
  }
  const event = {
    id: context.ids.newId('ful'),
    payment_id: payment.id,
    merchant_id: payment.merchant_id,
    type: input.type,
    carrier: input.carrier ?? null,
    tracking_number: input.tracking_number ?? null,
    note: input.note ?? null,
    created_at: now(context),
  };
  const view = { id: event.id, object: 'fulfillment_event' as const, payment: payment.id, type: event.type, carrier: event.carrier, tracking_number: event.tracking_number, note: event.note, created_at: event.created_at.toISOString() };
  await insertFulfillmentEvent(context.db, event, { id: context.ids.newId('evt'), type: 'order.fulfillment_updated', data: { object: view }, mode: payment.mode });
  return view;
}

/**
 * The merchant approves a request; an approved refund request refunds through
 * the normal flow (its amount, or all that remains). If that refund cannot be
 * made, the request goes back to pending and the error is answered.
 */
export async function approveAfterSales(context: FlowContext, scope: Scope, id: string, input: { amount?: number; note?: string }) {
  const request = await findAfterSalesRequest(context.db, scope, id);
  if (!request) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'after-sales request', id } });
  const decided = await decide(context, scope, request, 'approved', input.note ?? null);
  if (decided.kind !== 'refund') return presentAfterSalesRequest(decided);
  const amount = input.amount ?? (decided.amount === null ? undefined : amountToJson(decided.amount));
  try {
    const refund = await refundPayment(context, scope, { payment: decided.payment_id, amount, reason: 'after_sales' });
    const linked = await linkAfterSalesRefund(context.db, decided.merchant_id, decided.id, refund.id);
    return presentAfterSalesRequest(linked ?? decided);
  } catch (error) {
    await reopenAfterSalesRequest(context.db, decided.merchant_id, decided.id);
    throw error;
  }
}

export async function rejectAfterSales(context: FlowContext, scope: Scope, id: string, input: { note?: string }) {
  const request = await findAfterSalesRequest(context.db, scope, id);
  if (!request) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'after-sales request', id } });
  return presentAfterSalesRequest(await decide(context, scope, request, 'rejected', input.note ?? null));
}

async function decide(context: FlowContext, scope: Scope, request: AfterSalesRequestRow, status: 'approved' | 'rejected', note: string | null) {
  const view = presentAfterSalesRequest({ ...request, status, merchant_note: note, decided_at: now(context) });
  const decided = await decideAfterSalesRequest(context.db, scope, {
    id: request.id,
    status,
    note,
    now: now(context),
    notice: { id: context.ids.newId('evt'), type: `after_sales_request.${status}`, data: { object: view } },
  });
  if (!decided) {
    throw new PaymentError('payment_unexpected_state', { paymentId: request.payment_id, details: { status: request.status, action: 'decided on' } });
  }
  return decided;
}
