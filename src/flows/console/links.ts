/**
 * Emailed links that set a member's password: a reset asked for from the
 * sign-in page, or an invitation. The link's token is random, kept hashed,
 * expires, and works once. It goes out through the messaging outbox (the
 * mail catcher of `npm start` shows it), queued in the transaction that
 * stores its token.
 */
import { consoleEmail, passwordLink, type ConsoleEmailPurpose } from '../../domain/console/emails.ts';
import { hashToken, newToken } from '../../domain/console/tokens.ts';
import { isLocale } from '../../domain/locale.ts';
import type { Db } from '../../store/database.ts';
import { insertLinkToken } from '../../store/console/credentials.ts';
import { queueMessages } from '../../store/messages.ts';
import type { ConsoleMemberRow } from '../../store/schema.ts';
import { now, type FlowContext } from '../context.ts';

/**
 * Queues the email and stores its token; `dedupeKey` keeps a burst of
 * requests to one email. Answers false when an identical one was queued.
 */
export async function sendPasswordLink(
  context: FlowContext,
  db: Db,
  member: ConsoleMemberRow,
  link: { purpose: 'password_reset' | 'invitation'; expiresInMs: number; dedupeKey: string; values: Record<string, string> },
): Promise<boolean> {
  const token = newToken(context.random);
  const at = now(context);
  const emailPurpose: ConsoleEmailPurpose = link.purpose === 'invitation' ? 'console_invitation' : 'console_password_reset';
  const locale = isLocale(member.locale) ? member.locale : 'en';
  const hours = String(Math.round(link.expiresInMs / 3_600_000));
  const email = consoleEmail(emailPurpose, locale, passwordLink(context.publicBaseUrl, token), { ...link.values, hours });
  const queued = await queueMessages(
    db,
    [
      {
        id: context.ids.newId('msg'),
        merchantId: member.merchant_id,
        mode: 'live',
        channel: 'email',
        purpose: emailPurpose,
        dedupeKey: link.dedupeKey,
        recipient: member.email,
        locale,
        customerId: null,
        paymentId: null,
        eventId: null,
        subject: email.subject,
        bodyText: email.bodyText,
        bodyHtml: email.bodyHtml,
      },
    ],
    at,
    context.keys.messages,
  );
  if (queued.length === 0) return false;
  await insertLinkToken(db, { hash: hashToken(token), memberId: member.id, merchantId: member.merchant_id, purpose: link.purpose, now: at, expiresAt: new Date(at.getTime() + link.expiresInMs) });
  return true;
}
