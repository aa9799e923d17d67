/**
 * Sending one queued email or SMS: claim it (one worker at a time), hand it
 * to the configured sender, and record the result; a failure that may pass
 * is tried again with backoff for a day, one that cannot (a refused address)
 * is not. A channel that is not configured skips its messages, visibly.
 */
import { messageRetryRule, nextAttemptAt } from '../../domain/notifications/delivery-schedule.ts';
import { limits } from '../../domain/limits.ts';
import { PermanentSendError } from '../../messaging/messaging.ts';
import { claimMessage, findDueMessages, openMessageBody, recordMessageTry, type MessageRef } from '../../store/messages.ts';
import type { MessageRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';

export type SendResult = 'sent' | 'retrying' | 'failed' | 'skipped' | 'not_due';

/**
 * Messages sent at most once: after a try that died with its outcome unknown
 * (the server may have accepted the email), they are not tried again. A
 * survey sent twice annoys more than one that is lost; a payment notice or a
 * code is worth the rare duplicate.
 */
const atMostOncePurposes: ReadonlySet<string> = new Set(['nps_survey']);

export async function sendMessage(context: FlowContext, ref: MessageRef): Promise<SendResult> {
  const at = now(context);
  const message = await claimMessage(context.db, ref, at, limits.deliveryLeaseMs);
  if (!message) return 'not_due';
  const record = (outcome: 'sent' | 'failed' | 'skipped' | 'retry', details: { providerMessageId?: string; error?: string; next?: Date | null }) =>
    recordMessageTry(context.db, {
      merchantId: message.merchant_id,
      id: message.id,
      at: now(context),
      outcome,
      providerMessageId: details.providerMessageId ?? null,
      error: details.error ?? null,
      nextAttemptAt: details.next ?? null,
    });
  if (atMostOncePurposes.has(message.purpose) && message.previous_lease_until !== null) {
    await record('failed', { error: 'an earlier try ended with its outcome unknown; this message is sent at most once' });
    context.metrics.messagesSent.inc({ channel: message.channel, outcome: 'failed' });
    return 'failed';
  }
  try {
    const providerMessageId = await send(context, message);
    if (providerMessageId === null) {
      await record('skipped', { error: `${message.channel} is not configured` });
      context.metrics.messagesSent.inc({ channel: message.channel, outcome: 'skipped' });
      return 'skipped';
    }
    await record('sent', { providerMessageId });
    context.metrics.messagesSent.inc({ channel: message.channel, outcome: 'sent' });
    return 'sent';
  } catch (error) {
    const reason = (error as Error).message.slice(0, 500);
    const next = error instanceof PermanentSendError ? null : nextAttemptAt(messageRetryRule, message.attempts, message.created_at.getTime(), at.getTime(), context.random);
    await record(next ? 'retry' : 'failed', { error: reason, next });
    context.metrics.messagesSent.inc({ channel: message.channel, outcome: next ? 'retrying' : 'failed' });
    return next ? 'retrying' : 'failed';
  }
}

/** Answers the provider's id, or null when the channel has no sender configured. */
async function send(context: FlowContext, message: MessageRow): Promise<string | null> {
  if (message.channel === 'email') {
    const mailer = context.messaging.mailer;
    if (!mailer) return null;
    const body = openMessageBody(message, context.keys.messages);
    const sent = await mailer.send({ from: context.messaging.mailFrom, to: message.recipient, subject: message.subject ?? '', text: body.text, html: body.html });
    return sent.messageId;
  }
  const sms = context.messaging.sms;
  if (!sms) return null;
  return (await sms.send({ to: message.recipient, text: openMessageBody(message, context.keys.messages).text })).id;
}

/** The sweep: messages due whose job was lost or whose worker died mid-send. */
export async function sendDueMessages(context: FlowContext, batchSize: number = limits.sweepBatchSize): Promise<number> {
  let sent = 0;
  for (const ref of await findDueMessages(context.db, now(context), batchSize)) {
    if ((await sendMessage(context, ref).catch(() => 'not_due' as const)) === 'sent') sent += 1;
  }
  return sent;
}
