/**
 * The merchant's side of support: the queue, one request with its thread,
 * a reply (emailed or texted to the payer as they asked, through the
 * messages outbox in the reply's own transaction, so a reply is sent once),
 * resolving and reopening. Each change appends a row (a message or an
 * event) and sets the times the figures read, under the request's row lock.
 */
import { PaymentError } from '../../domain/errors.ts';
import { isLocale, type Locale } from '../../domain/locale.ts';
import { renderSupportReply } from '../../domain/support/support-messages.ts';
import { supportTransition, type SupportAction } from '../../domain/support/support-request.ts';
import { findMerchant } from '../../store/merchants.ts';
import { queueMessages, type NewMessage } from '../../store/messages.ts';
import { findPaymentById, type Scope } from '../../store/payments.ts';
import type { Db } from '../../store/database.ts';
import type { SupportRequestRow } from '../../store/schema.ts';
import {
  countSupportMessages,
  findSupportRequest,
  insertSupportEvent,
  insertSupportMessage,
  listSupportMessages,
  listSupportRequests,
  lockSupportRequest,
  updateSupportRequest,
  type SupportListFilter,
} from '../../store/support/requests.ts';
import { limits } from '../../domain/limits.ts';
import { now, type FlowContext } from '../context.ts';
import { orderNumberOf, orderPageUrl } from '../notifications/notify-payer.ts';
import { presentSupportRequest } from './support-requests.ts';

export async function listSupportQueue(context: FlowContext, scope: Scope, filter: SupportListFilter) {
  const page = await listSupportRequests(context.db, scope, filter);
  return { object: 'list' as const, data: page.data.map((request) => presentSupportRequest(request, null, 'merchant')), has_more: page.hasMore };
}

export async function getSupportRequest(context: FlowContext, scope: Scope, id: string) {
  const request = await findSupportRequest(context.db, scope, id);
  if (!request) throw missing(id);
  return presentSupportRequest(request, await listSupportMessages(context.db, request.merchant_id, [request.id]), 'merchant');
}

function missing(id: string): PaymentError {
  return new PaymentError('resource_missing', { param: 'id', details: { resource: 'support_request', id } });
}

/** Loads and locks the request, checks the action is allowed from its status, runs `change`, and answers the request with its thread. */
async function changeRequest(context: FlowContext, scope: Scope, id: string, action: SupportAction, change: (trx: Db, request: SupportRequestRow, at: Date) => Promise<void>) {
  await context.db.transaction().execute(async (trx) => {
    const request = await lockSupportRequest(trx, id, { scope });
    if (!request) throw missing(id);
    if (supportTransition(request.status, action) === null) {
      throw new PaymentError('support_request_unexpected_state', { details: { status: request.status, action: actionWords[action] } });
    }
    await change(trx, request, now(context));
  });
  return getSupportRequest(context, scope, id);
}

const actionWords: Record<SupportAction, string> = { reply: 'answered', resolve: 'resolved', reopen: 'reopened', payer_message: 'answered' };

export async function replyToSupportRequest(context: FlowContext, scope: Scope, id: string, input: { message: string; resolve?: boolean }) {
  return changeRequest(context, scope, id, 'reply', async (trx, request, at) => {
    if ((await countSupportMessages(trx, request)) >= limits.supportMessagesPerRequestMax) {
      throw new PaymentError('support_request_limit_reached', { details: { limit: limits.supportMessagesPerRequestMax } });
    }
    const messageId = context.ids.newId('smg');
    await insertSupportMessage(trx, { id: messageId, request_id: request.id, merchant_id: request.merchant_id, author: 'merchant', body: input.message, created_at: at });
    await updateSupportRequest(trx, request, {
      status: 'answered',
      updated_at: at,
      first_response_at: request.first_response_at ?? at,
      ...(request.first_resolved_at === null ? { replies_before_first_resolution: request.replies_before_first_resolution + 1 } : {}),
    });
    if (input.resolve) await resolveLocked(context, trx, request, at);
    await queueReply(context, trx, request, messageId, input.message, at);
  });
}

export async function resolveSupportRequest(context: FlowContext, scope: Scope, id: string) {
  return changeRequest(context, scope, id, 'resolve', (trx, request, at) => resolveLocked(context, trx, request, at));
}

async function resolveLocked(context: FlowContext, trx: Db, request: SupportRequestRow, at: Date): Promise<void> {
  await insertSupportEvent(trx, { id: context.ids.newId('sre'), request_id: request.id, merchant_id: request.merchant_id, type: 'resolved', actor: 'merchant', created_at: at });
  await updateSupportRequest(trx, request, { status: 'resolved', updated_at: at, resolved_at: at, first_resolved_at: request.first_resolved_at ?? at });
}

export async function reopenSupportRequest(context: FlowContext, scope: Scope, id: string) {
  return changeRequest(context, scope, id, 'reopen', async (trx, request, at) => {
    await insertSupportEvent(trx, { id: context.ids.newId('sre'), request_id: request.id, merchant_id: request.merchant_id, type: 'reopened', actor: 'merchant', created_at: at });
    await updateSupportRequest(trx, request, { status: 'open', updated_at: at, resolved_at: null, reopen_count: request.reopen_count + 1 });
  });
}

/** The answer to the payer, queued with the reply (keyed by the reply's id, so it exists once). */
async function queueReply(context: FlowContext, trx: Db, request: SupportRequestRow, replyId: string, reply: string, at: Date): Promise<void> {
  const [merchant, payment] = await Promise.all([findMerchant(trx, request.merchant_id), findPaymentById(trx, request.merchant_id, request.payment_id)]);
  if (!merchant || !payment) return;
  const locale: Locale = isLocale(request.locale) ? request.locale : 'en';
  const rendered = renderSupportReply({ locale, merchantName: merchant.name, orderNumber: orderNumberOf(payment), reply, orderUrl: orderPageUrl(context, payment.id) });
  const email = request.contact_preference === 'email';
  const recipient = email ? request.contact_email : request.contact_phone;
  if (!recipient) return;
  const message: NewMessage = {
    id: context.ids.newId('msg'),
    merchantId: request.merchant_id,
    mode: request.mode,
    channel: email ? 'email' : 'sms',
    purpose: 'support_reply',
    dedupeKey: `${replyId}:${email ? 'email' : 'sms'}`,
    recipient,
    locale,
    customerId: request.customer_id,
    paymentId: request.payment_id,
    eventId: null,
    subject: email ? rendered.subject : null,
    bodyText: email ? rendered.text : rendered.sms,
    bodyHtml: email ? rendered.html : null,
  };
  await queueMessages(trx, [message], at, context.keys.messages);
}
