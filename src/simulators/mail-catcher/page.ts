/**
 * The mail catcher's pages: the list of caught emails and SMS, and one email
 * with its headers, its text and its HTML. Every value comes from whoever sent
 * the message, so every value is escaped, and the pages are served under a
 * policy that loads nothing from outside (see pageSecurityHeaders).
 *
 * An email's HTML is shown inside `<iframe sandbox srcdoc="…">`: the sandbox
 * gives it an opaque origin and no scripts, and a srcdoc document inherits the
 * page's Content-Security-Policy, so a tracking pixel or a remote stylesheet
 * in a message is not fetched either. Images inlined by mailparser as data:
 * URLs still show.
 */
import type { CaughtEmail, CaughtSms } from './caught.ts';

/** The list page reloads itself so that a demo shows new messages without a click. */
const indexRefreshSeconds = 5;

/**
 * Sent with every answer. `frame-src 'self'` lets the srcdoc iframe load in
 * every browser; the framed document is sandboxed and inherits this policy.
 */
export const pageSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
});

export interface IndexPageInput {
  emails: CaughtEmail[];
  smsMessages: CaughtSms[];
  smtpPort: number;
}

/** Both lists, newest first, as they are given. */
export function indexPage(input: IndexPageInput): string {
  return page(
    'Paypilot mail catcher',
    [
      '<h1>Paypilot mail catcher</h1>',
      `<p class="note">SMTP on 127.0.0.1:${input.smtpPort}; SMS are posted to <code>/sms</code>. This page reloads every ${indexRefreshSeconds} s.</p>`,
      `<h2>Emails (${input.emails.length})</h2>`,
      emailTable(input.emails),
      `<h2>SMS (${input.smsMessages.length})</h2>`,
      smsTable(input.smsMessages),
    ].join('\n'),
    indexRefreshSeconds,
  );
}

export function emailPage(email: CaughtEmail): string {
  const subject = subjectOrPlaceholder(email.subject);
  return page(
    subject,
    [
      '<p><a href="/">← All messages</a></p>',
      `<h1 id="subject">${escapeHtml(subject)}</h1>`,
      '<dl>',
      `<dt>From</dt><dd id="from">${escapeHtml(email.from)}</dd>`,
      `<dt>To</dt><dd id="to">${escapeHtml(email.to.join(', '))}</dd>`,
      `<dt>Received</dt><dd>${timeElement(email.receivedAt)}</dd>`,
      '</dl>',
      '<h2>HTML body</h2>',
      email.html === null
        ? '<p class="note">This email has no HTML part.</p>'
        : `<iframe id="html" sandbox srcdoc="${escapeHtml(email.html)}" title="HTML body"></iframe>`,
      '<h2>Text body</h2>',
      email.text === '' ? '<p class="note">This email has no text part.</p>' : `<pre id="text">${escapeHtml(email.text)}</pre>`,
      '<h2>Headers</h2>',
      headerTable(email.headers),
    ].join('\n'),
    null,
  );
}

export function notFoundPage(message: string): string {
  return page('Not found', `<p><a href="/">← All messages</a></p>\n<h1>Not found</h1>\n<p>${escapeHtml(message)}</p>`, null);
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in text and in a quoted attribute value (the srcdoc one included). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);
}

const style = `
body { font: 14px/1.5 system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; margin: 1.5rem; color: #1f2328; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.6rem; border-bottom: 1px solid #d0d7de; }
td.time { white-space: nowrap; }
pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 0.8rem; }
iframe { width: 100%; height: 32rem; border: 1px solid #d0d7de; }
dt { font-weight: 600; }
.note { color: #59636e; }
`;

function page(title: string, body: string, refreshSeconds: number | null): string {
  const refresh = refreshSeconds === null ? '' : `<meta http-equiv="refresh" content="${refreshSeconds}">`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta name="viewport" content="width=device-width, initial-scale=1">${refresh}`,
    `<title>${escapeHtml(title)}</title><style>${style}</style></head>`,
    `<body>\n${body}\n</body></html>\n`,
  ].join('\n');
}

function emailTable(emails: CaughtEmail[]): string {
  if (emails.length === 0) return '<p class="note">No emails yet.</p>';
  const rows = emails.map(
    (email) =>
      `<tr><td class="time">${timeElement(email.receivedAt)}</td><td>${escapeHtml(email.to.join(', '))}</td>` +
      `<td><a href="${escapeHtml(`/emails/${encodeURIComponent(email.id)}`)}">${escapeHtml(subjectOrPlaceholder(email.subject))}</a></td></tr>`,
  );
  return table('emails', ['Received', 'To', 'Subject'], rows);
}

function smsTable(smsMessages: CaughtSms[]): string {
  if (smsMessages.length === 0) return '<p class="note">No SMS yet.</p>';
  const rows = smsMessages.map(
    (sms) => `<tr><td class="time">${timeElement(sms.receivedAt)}</td><td>${escapeHtml(sms.to)}</td><td>${escapeHtml(sms.text)}</td></tr>`,
  );
  return table('sms', ['Received', 'To', 'Text'], rows);
}

function headerTable(headers: Record<string, string>): string {
  const rows = Object.entries(headers).map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`);
  return rows.length === 0 ? '<p class="note">No headers.</p>' : table('headers', ['Name', 'Value'], rows);
}

function table(id: string, columns: string[], rows: string[]): string {
  const head = columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** UTC to the second: the page is read next to server logs, which are in UTC. */
function timeElement(date: Date): string {
  const iso = date.toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC</time>`;
}

function subjectOrPlaceholder(subject: string): string {
  return subject === '' ? '(no subject)' : subject;
}
