/** What the mail catcher keeps of a message it caught: read by its server and its page. */
export interface CaughtEmail {
  id: string;
  /** The From header as written; the envelope sender when there is none. */
  from: string;
  /** Every envelope recipient (To, Cc and Bcc alike): who the message was delivered to. */
  to: string[];
  subject: string;
  /** The text part, or text mailparser derived from the HTML part; '' when neither exists. */
  text: string;
  html: string | null;
  /** Lowercase header name → decoded value; repeated headers are joined with ', '. */
  headers: Record<string, string>;
  receivedAt: Date;
}

export interface CaughtSms {
  id: string;
  to: string;
  text: string;
  receivedAt: Date;
}
