/**
 * Payers asking for help on a payment, from the order page or the checkout's
 * result page (both open the order by its signed link), and the thread they
 * see there. A request is its first message; a payer writing again on a
 * resolved request reopens it.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { isLocale, type Locale } from '../../domain/locale.ts';
import { supportTransition, type ContactPreference, type SupportCategory } from '../../domain/support/support-request.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import type { SupportMessageRow, SupportRequestRow } from '../../store/schema.ts';
import {
  countOpenSupportRequests,
  countSupportMessages,
  insertSupportEvent,
  insertSupportMessage,
  insertSupportRequest,
  listSupportMessages,
  listSupportRequestsOfPayment,
  lockPaymentForSupport,
  lockSupportRequest,
  updateSupportRequest,
} from '../../store/support/requests.ts';
import { now, type FlowContext } from '../context.ts';

export function presentSupportRequest(request: SupportRequestRow, messages: readonly SupportMessageRow[] | null, viewer: 'payer' | 'merchant') {
  const thread = messages?.filter((message) => message.request_id === request.id) ?? null;
  return {
    id: request.id,
    object: 'support_request' as const,
    payment: request.payment_id,
    customer: viewer === 'merchant' ? request.customer_id : null,
    category: request.category as SupportCategory,
    status: request.status,
    contact_preference: request.contact_preference,
    contact: viewer === 'merchant' ? (request.contact_preference === 'email' ? request.contact_email : request.contact_phone) : null,
    locale: request.locale,
    created_at: request.created_at.toISOString(),
    first_response_at: request.first_response_at?.toISOString() ?? null,
    first_resolved_at: request.first_resolved_at?.toISOString() ?? null,
    resolved_at: request.resolved_at?.toISOString() ?? null,
    reopen_count: request.reopen_count,
    messages: thread?.map((message) => ({ id: message.id, author: message.author, body: message.body, created_at: message.created_at.toISOString() })) ?? null,
  };
}

export interface NewSupportRequest {
  category: SupportCategory;
  message: string;
  contact_preference: ContactPreference;
  email?: string;
  phone?: string;
  locale?: Locale;
}

/** The customer's address on file when the payer gives none; a request needs one for its answer. */
async function contactOf(context: FlowContext, payment: PaymentRecord, input: NewSupportRequest) {
  const customer = payment.customer_id
    ? await context.db.selectFrom('customers').select(['email', 'phone', 'locale']).where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.customer_id).executeTakeFirst()
    : undefined;
  const email = input.email ?? customer?.email ?? null;
  const phone = input.phone ?? customer?.phone ?? null;
  if (input.contact_preference === 'email' && !email) throw new PaymentError('parameter_missing', { param: 'email' });
  if (input.contact_preference === 'sms' && !phone) throw new PaymentError('parameter_missing', { param: 'phone' });
  const locale: Locale = input.locale ?? (customer && isLocale(customer.locale) ? customer.locale : 'en');
  return { email: input.contact_preference === 'email' ? email : null, phone: input.contact_preference === 'sms' ? phone : null, locale };
}

export async function createSupportRequest(context: FlowContext, payment: PaymentRecord, input: NewSupportRequest) {
  const contact = await contactOf(context, payment, input);
  const at = now(context);
  const id = context.ids.newId('sr');
  await context.db.transaction().execute(async (trx) => {
    // Serialized per payment, so parallel requests cannot pass the bound together.
    await lockPaymentForSupport(trx, payment.id);
    if ((await countOpenSupportRequests(trx, { merchantId: payment.merchant_id, id: payment.id })) >= limits.supportOpenRequestsPerPaymentMax) {
      throw new PaymentError('support_request_limit_reached', { details: { limit: limits.supportOpenRequestsPerPaymentMax } });
    }
    await insertSupportRequest(trx, {
      id,
      merchant_id: payment.merchant_id,
      mode: payment.mode,
      payment_id: payment.id,
      customer_id: payment.customer_id,
      category: input.category,
      contact_preference: input.contact_preference,
      contact_email: contact.email,
      contact_phone: contact.phone,
      locale: contact.locale,
      status: 'open',
      created_at: at,
      updated_at: at,
      first_response_at: null,
      first_resolved_at: null,
      resolved_at: null,
    });
    await insertSupportMessage(trx, { id: context.ids.newId('smg'), request_id: id, merchant_id: payment.merchant_id, author: 'payer', body: input.message, created_at: at });
  });
  return (await supportThreadsOfPayment(context, payment)).find((request) => request.id === id)!;
}

/** The payer writes again: on a resolved request, this reopens it. */
export async function addPayerMessage(context: FlowContext, payment: PaymentRecord, requestId: string, body: string) {
  const at = now(context);
  await context.db.transaction().execute(async (trx) => {
    const request = await lockSupportRequest(trx, requestId, { payment: { merchantId: payment.merchant_id, id: payment.id } });
    if (!request) throw new PaymentError('resource_missing', { param: 'request', details: { resource: 'support_request', id: requestId } });
    if ((await countSupportMessages(trx, request)) >= limits.supportMessagesPerRequestMax) {
      throw new PaymentError('support_request_limit_reached', { details: { limit: limits.supportMessagesPerRequestMax } });
    }
    const next = supportTransition(request.status, 'payer_message');
    if (next === null) throw new PaymentError('support_request_unexpected_state', { details: { status: request.status, action: 'answered' } });
    await insertSupportMessage(trx, { id: context.ids.newId('smg'), request_id: request.id, merchant_id: request.merchant_id, author: 'payer', body, created_at: at });
    const reopened = request.status === 'resolved';
    if (reopened) await insertSupportEvent(trx, { id: context.ids.newId('sre'), request_id: request.id, merchant_id: request.merchant_id, type: 'reopened', actor: 'payer', created_at: at });
    await updateSupportRequest(trx, request, {
      status: next,
      updated_at: at,
      ...(reopened ? { resolved_at: null, reopen_count: request.reopen_count + 1 } : {}),
    });
  });
  return (await supportThreadsOfPayment(context, payment)).find((request) => request.id === requestId)!;
}

/** Every request on the payment with its thread, oldest first: what the order page shows. */
export async function supportThreadsOfPayment(context: FlowContext, payment: PaymentRecord) {
  const requests = await listSupportRequestsOfPayment(context.db, { merchantId: payment.merchant_id, id: payment.id });
  const messages = await listSupportMessages(context.db, payment.merchant_id, requests.map((request) => request.id));
  return requests.map((request) => presentSupportRequest(request, messages, 'payer'));
}
