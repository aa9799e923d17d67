/**
 * Sending a payer's message again (a receipt the payer says never came): a
 * new message with the original's recipient, subject and body, queued in the
 * outbox like any other, and audited in the same transaction.
 *
 * At most one resend of a message per minute: the new message's dedupe key
 * names the original and the minute, so a double click (or a retry after a
 * crash) finds the one already queued instead of sending twice.
 */
import { PaymentError } from '../../domain/errors.ts';
import { findMessage, findMessageByDedupeKey } from '../../store/console/payment-timeline.ts';
import { openMessageBody, queueMessages } from '../../store/messages.ts';
import type { Scope } from '../../store/payments.ts';
import { now, type FlowContext } from '../context.ts';
import { audit, byMember, type ConsoleActor } from './audit.ts';
import { isResendable, presentMessage } from './payment-timeline.ts';

const resendWindowMs = 60_000;

export async function resendMessage(context: FlowContext, actor: ConsoleActor, scope: Scope, messageId: string) {
  const original = await findMessage(context.db, scope, messageId);
  if (!original || !isResendable(original.purpose)) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'message', id: messageId } });
  const body = openMessageBody(original, context.keys.messages);
  const at = now(context);
  const dedupeKey = `resend:${original.id}:${Math.floor(at.getTime() / resendWindowMs)}`;
  const resent = await context.db.transaction().execute(async (trx) => {
    const id = context.ids.newId('msg');
    const queued = await queueMessages(
      trx,
      [
        {
          id,
          merchantId: original.merchant_id,
          mode: original.mode,
          channel: original.channel,
          purpose: original.purpose,
          dedupeKey,
          recipient: original.recipient,
          locale: original.locale,
          customerId: original.customer_id,
          paymentId: original.payment_id,
          eventId: original.event_id,
          subject: original.subject,
          bodyText: body.text,
          bodyHtml: body.html,
        },
      ],
      at,
      context.keys.messages,
    );
    if (queued.length === 1) {
      await audit(
        context,
        trx,
        byMember(actor, 'message.resent', { type: 'message', id: original.id }, { after: { message: id, channel: original.channel, purpose: original.purpose, payment: original.payment_id } }),
      );
    }
    return findMessageByDedupeKey(trx, scope, dedupeKey);
  });
  return presentMessage(resent);
}
