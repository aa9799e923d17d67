/** Email through any SMTP server with nodemailer; host, port, TLS and credentials come from configuration. */
import nodemailer from 'nodemailer';
import { limits } from '../domain/limits.ts';
import { PermanentSendError, type Mailer, type OutgoingEmail } from './messaging.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  /** True: TLS from the first byte (port 465). False: STARTTLS when the server offers it. */
  secure: boolean;
  user: string | null;
  password: string | null;
}

export function smtpMailer(settings: SmtpSettings): Mailer {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    pool: true,
    maxConnections: 4,
    connectionTimeout: limits.messageSendTimeoutMs,
    greetingTimeout: limits.messageSendTimeoutMs,
    socketTimeout: limits.messageSendTimeoutMs,
  });
  return {
    async send(email: OutgoingEmail) {
      try {
        const info = await transport.sendMail({
          from: email.from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          ...(email.html ? { html: email.html } : {}),
        });
        return { messageId: info.messageId };
      } catch (error) {
        // 5xx answers from the server (a refused recipient, say) will not change on a retry.
        const code = (error as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500) throw new PermanentSendError(`SMTP ${code}: ${(error as Error).message}`);
        throw error;
      }
    },
    close: () => transport.close(),
  };
}
