/**
 * How Paypilot reaches people: email through SMTP and SMS through an HTTP
 * provider. Like connectors, senders are stateless and never touch the
 * database; the worker records what they did.
 */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

export interface Mailer {
  /** Resolves with the server's message id once the server accepted the message; rejects otherwise. */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

export interface SmsSender {
  /** Resolves with the provider's id once it accepted the message; rejects otherwise (`permanent` when retrying cannot help). */
  send(sms: { to: string; text: string }): Promise<{ id: string }>;
}

/** A send that failed for a reason retrying cannot fix (a rejected address, a refused key). */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

export interface Messaging {
  /** Null: email is not configured, and email messages are skipped. */
  mailer: Mailer | null;
  /** Null: SMS is not configured, and SMS messages are skipped. */
  sms: SmsSender | null;
  /** The From of every email, e.g. `Paypilot <no-reply@example.com>`. */
  mailFrom: string;
}

export const noMessaging: Messaging = { mailer: null, sms: null, mailFrom: 'Paypilot <no-reply@localhost>' };
