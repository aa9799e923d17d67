/**
 * Emails and SMS, queued rendered and sent by the worker. Each has a
 * `dedupe_key` (for a payer's notice: the event and the channel), so however
 * often the job that queues it runs, the message exists once; each is sent by
 * one worker at a time under a lease, like webhook deliveries.
 *
 * Bodies carry one-time codes and order-page links (whose token opens the
 * order), so they are sealed with the messages key before they reach the
 * table, bound to the message's id; the recipient, subject and purpose stay
 * readable for operators. Rows queued before sealing keep clear bodies.
 */
import { sql } from 'kysely';
import { seal, unseal } from '../domain/secrets.ts';
import type { Db } from './database.ts';
import type { MessageRow, Mode } from './schema.ts';

export interface NewMessage {
  id: string;
  merchantId: string;
  mode: Mode;
  channel: 'email' | 'sms';
  purpose: string;
  dedupeKey: string;
  recipient: string;
  locale: string;
  customerId: string | null;
  paymentId: string | null;
  eventId: string | null;
  subject: string | null;
  bodyText: string;
  bodyHtml: string | null;
}

/** Queues messages not queued before, each with its sending job, in one statement. Answers the ids queued now. */
export async function queueMessages(db: Db, messages: NewMessage[], now: Date, messagesKey: Buffer): Promise<string[]> {
  if (messages.length === 0) return [];
  const rows = JSON.stringify(
    messages.map((m) => ({
      id: m.id,
      merchant_id: m.merchantId,
      mode: m.mode,
      channel: m.channel,
      purpose: m.purpose,
      dedupe_key: m.dedupeKey,
      recipient: m.recipient,
      locale: m.locale,
      customer_id: m.customerId,
      payment_id: m.paymentId,
      event_id: m.eventId,
      subject: m.subject,
      body_sealed_hex: sealBody({ text: m.bodyText, html: m.bodyHtml }, messagesKey, m.id).toString('hex'),
    })),
  );
  const result = await sql<{ id: string }>`
    with queued as (
      insert into messages (id, merchant_id, mode, channel, purpose, dedupe_key, recipient, locale, customer_id, payment_id, event_id,
                            subject, body_sealed, status, next_attempt_at, created_at, updated_at)
      select m.id, m.merchant_id, m.mode, m.channel, m.purpose, m.dedupe_key, m.recipient, m.locale, m.customer_id, m.payment_id, m.event_id,
             m.subject, decode(m.body_sealed_hex, 'hex'), 'pending', ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz
        from jsonb_to_recordset(${rows}::jsonb) as m(id text, merchant_id text, mode text, channel text, purpose text, dedupe_key text,
                                                      recipient text, locale text, customer_id text, payment_id text, event_id text,
                                                      subject text, body_sealed_hex text)
      on conflict do nothing
      returning id, merchant_id
    )
    select id, graphile_worker.add_job('send_message', json_build_object('id', id, 'merchant', merchant_id), max_attempts => 5) is not null as job from queued
  `.execute(db);
  return result.rows.map((row) => row.id);
}

export interface MessageBody {
  text: string;
  html: string | null;
}

function sealBody(body: MessageBody, messagesKey: Buffer, messageId: string): Buffer {
  return seal(JSON.stringify(body), messagesKey, messageId);
}

/** The body to send: unsealed, or as it was stored before bodies were sealed. */
export function openMessageBody(row: Pick<MessageRow, 'id' | 'body_text' | 'body_html' | 'body_sealed'>, messagesKey: Buffer): MessageBody {
  if (row.body_sealed === null) return { text: row.body_text ?? '', html: row.body_html };
  return JSON.parse(unseal(row.body_sealed, messagesKey, row.id)) as MessageBody;
}

/** A message as its job or the sweep names it: its id and its merchant. */
export interface MessageRef {
  id: string;
  merchantId: string;
}

/**
 * Takes a due message for one try; one caller at a time, until the lease runs
 * out. Answers with the lease the message had before (`previous_lease_until`):
 * set only when an earlier try was claimed and never recorded, i.e. its
 * worker died with the outcome unknown.
 */
export async function claimMessage(db: Db, ref: MessageRef, now: Date, leaseMs: number): Promise<(MessageRow & { previous_lease_until: Date | null }) | null> {
  const result = await sql<MessageRow & { previous_lease_until: Date | null }>`
    update messages m
       set attempts = m.attempts + 1, lease_until = ${new Date(now.getTime() + leaseMs)}, updated_at = ${now},
           -- As for webhook deliveries: a send that dies mid-try is due again behind the others, not first in every sweep.
           next_attempt_at = ${new Date(now.getTime() + leaseMs)}
      from messages previous
     where previous.merchant_id = m.merchant_id and previous.id = m.id and m.merchant_id = ${ref.merchantId} and m.id = ${ref.id}
       and m.status = 'pending' and m.next_attempt_at <= ${now} and (m.lease_until is null or m.lease_until <= ${now})
    returning m.*, previous.lease_until as previous_lease_until
  `.execute(db);
  return result.rows[0] ?? null;
}

export interface MessageTry {
  merchantId: string;
  id: string;
  at: Date;
  outcome: 'sent' | 'failed' | 'skipped' | 'retry';
  providerMessageId: string | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

/** Records a try; a retry gets its job for the next time in the same statement. */
export async function recordMessageTry(db: Db, t: MessageTry): Promise<void> {
  const status = t.outcome === 'retry' ? 'pending' : t.outcome;
  const next = t.outcome === 'retry' ? t.nextAttemptAt : null;
  await sql`
    with updated as (
      update messages
         set status = ${status}, provider_message_id = coalesce(${t.providerMessageId}, provider_message_id), last_error = ${t.error},
             next_attempt_at = ${next}::timestamptz, lease_until = null, sent_at = ${t.outcome === 'sent' ? t.at : null}::timestamptz,
             updated_at = ${t.at}
       where merchant_id = ${t.merchantId} and id = ${t.id}
      returning id, merchant_id
    )
    select graphile_worker.add_job('send_message', json_build_object('id', updated.id, 'merchant', updated.merchant_id), run_at => ${next}::timestamptz, max_attempts => 5)
      from updated where ${next}::timestamptz is not null
  `.execute(db);
}

/** Messages due whose lease, if any, has run out, each with its merchant: the sweep's share after a crash or a lost job. */
export async function findDueMessages(db: Db, now: Date, limit: number): Promise<MessageRef[]> {
  return db
    .selectFrom('messages')
    .select(['id', 'merchant_id as merchantId'])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .orderBy('next_attempt_at', 'asc')
    .limit(limit)
    .execute();
}
