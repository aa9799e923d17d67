/**
 * A development mail catcher and SMS sink, so that `npm start` and the tests
 * can see the emails and SMS a payer would get without sending any. Emails
 * arrive over SMTP (the worker's mailer points at smtpPort); SMS arrive as
 * `POST /sms`, the way an SMS provider adapter would post them. Both are kept
 * in memory, newest first, up to messagesMax of each kind, and shown on a page
 * (page.ts) and as JSON.
 *
 *   const catcher = await startMailCatcher({ smsApiKey: 'sk_sim_sms' });
 *   … send to catcher.smtpPort, post to catcher.smsUrl …
 *   const receipt = await catcher.waitForEmail((email) => email.to.includes('wang.fang@example.com'));
 *   await catcher.close();
 *
 * Everything listens on 127.0.0.1 by default: what is caught is a payer's
 * personal data, even in development.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { simpleParser } from 'mailparser';
import type { HeaderValue } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { assert } from '../../domain/assert.ts';
import type { CaughtEmail, CaughtSms } from './caught.ts';
import { emailPage, indexPage, notFoundPage, pageSecurityHeaders } from './page.ts';

export type { CaughtEmail, CaughtSms } from './caught.ts';

export interface MailCatcherOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  smtpPort?: number;
  /** 0 (the default) picks a free port. */
  httpPort?: number;
  /** When set, `POST /sms` must carry `Authorization: Bearer <smsApiKey>`. */
  smsApiKey?: string;
  /** Kept per kind; the oldest is dropped. Defaults to 500. */
  messagesMax?: number;
}

export interface MailCatcher {
  smtpPort: number;
  /** http://127.0.0.1:<port> — the page, the JSON API and the SMS endpoint. */
  url: string;
  /** Where an SMS provider adapter should POST: `${url}/sms`. */
  smsUrl: string;
  /** Newest first. */
  emails(): CaughtEmail[];
  /** Newest first. */
  smsMessages(): CaughtSms[];
  /**
   * The newest email already caught that matches, or else the next one to
   * arrive. Rejects after timeoutMs (default 5000), and when the catcher closes.
   */
  waitForEmail(match: (email: CaughtEmail) => boolean, timeoutMs?: number): Promise<CaughtEmail>;
  /** As waitForEmail, for SMS. */
  waitForSms(match: (sms: CaughtSms) => boolean, timeoutMs?: number): Promise<CaughtSms>;
  /** The next `count` SMS posts answer 503 (to test retries). */
  failNextSms(count: number): void;
  /** Forgets every caught message; pending waits go on waiting. */
  clear(): void;
  /** Ends promptly, closing or destroying open SMTP and HTTP connections. */
  close(): Promise<void>;
}

/** Larger messages are refused with 552. A receipt with a logo is tens of kilobytes. */
const messageBytesMax = 2 * 1024 * 1024;
const messagesMaxDefault = 500;
/** Above this, messagesMax is a mistake: each kept email may hold messageBytesMax. */
const messagesMaxLimit = 10_000;
const waitTimeoutMsDefault = 5_000;
const waitTimeoutMsMax = 10 * 60 * 1000;
/** Pending waitForEmail / waitForSms calls, per kind. */
const waitersMax = 1_000;
const smsFailuresMax = 1_000;
const smsToCharsMax = 64;
/** Twilio's limit for one message, about ten concatenated segments. */
const smsTextCharsMax = 1_600;
const smsBodyBytesMax = 16 * 1024;
const smtpClientsMax = 100;
const smtpRecipientsMax = 100;
const smtpSocketTimeoutMs = 60_000;
/** After close(), clients get this long to read the 421 and hang up before their sockets are destroyed. */
const smtpCloseGraceMs = 200;
const headersMax = 200;

// A maximal SMS fits in the body limit even when every character is sent as a six-byte \uXXXX escape.
assert((smsToCharsMax + smsTextCharsMax) * 6 + 64 <= smsBodyBytesMax, 'smsBodyBytesMax holds a maximal SMS');
assert(messagesMaxDefault <= messagesMaxLimit, 'the default messagesMax is within its limit');
assert(waitTimeoutMsDefault <= waitTimeoutMsMax, 'the default wait timeout is within its limit');

export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const messagesMax = options.messagesMax ?? messagesMaxDefault;
  assert(Number.isInteger(messagesMax) && messagesMax >= 1 && messagesMax <= messagesMaxLimit, `messagesMax must be 1..${messagesMaxLimit}`);
  assert(options.smsApiKey === undefined || options.smsApiKey.length > 0, 'smsApiKey must not be empty when set');
  const context: CatcherContext = {
    emails: newInbox<CaughtEmail>('email', messagesMax),
    smsMessages: newInbox<CaughtSms>('SMS', messagesMax),
    smsApiKey: options.smsApiKey ?? null,
    smsFailuresLeft: 0,
    smtpPort: 0,
  };
  const smtp = newSmtpServer(context);
  const app = buildHttpApp(context);
  try {
    context.smtpPort = await listenSmtp(smtp, host, options.smtpPort ?? 0);
    await app.listen({ host, port: options.httpPort ?? 0 });
  } catch (error) {
    await Promise.all([closeSmtp(smtp), app.close()]);
    throw error;
  }
  const address = app.server.address();
  assert(address !== null && typeof address === 'object', 'the mail catcher listens on a TCP port');
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  let closing: Promise<void> | null = null;

  return {
    smtpPort: context.smtpPort,
    url,
    smsUrl: `${url}/sms`,
    emails: () => context.emails.list(),
    smsMessages: () => context.smsMessages.list(),
    waitForEmail: (match, timeoutMs = waitTimeoutMsDefault) => context.emails.waitFor(match, timeoutMs),
    waitForSms: (match, timeoutMs = waitTimeoutMsDefault) => context.smsMessages.waitFor(match, timeoutMs),
    failNextSms(count) {
      assert(Number.isInteger(count) && count >= 0 && count <= smsFailuresMax, `failNextSms takes 0..${smsFailuresMax}`);
      context.smsFailuresLeft = count;
    },
    clear() {
      context.emails.clear();
      context.smsMessages.clear();
    },
    close() {
      closing ??= closeCatcher(context, smtp, app);
      return closing;
    },
  };
}

interface CatcherContext {
  emails: Inbox<CaughtEmail>;
  smsMessages: Inbox<CaughtSms>;
  smsApiKey: string | null;
  smsFailuresLeft: number;
  smtpPort: number;
}

async function closeCatcher(context: CatcherContext, smtp: SmtpListener, app: FastifyInstance): Promise<void> {
  context.emails.close();
  context.smsMessages.close();
  await Promise.all([closeSmtp(smtp), app.close()]); // forceCloseConnections destroys HTTP sockets
}

// ---------------------------------------------------------------------------
// Inbox: caught messages of one kind, and the calls waiting for one.

interface Inbox<T> {
  list(): T[];
  find(predicate: (item: T) => boolean): T | undefined;
  add(item: T): void;
  waitFor(match: (item: T) => boolean, timeoutMs: number): Promise<T>;
  clear(): void;
  /** Rejects every pending wait. */
  close(): void;
}

interface Waiter<T> {
  match: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
}

function newInbox<T>(kind: string, itemsMax: number): Inbox<T> {
  let items: T[] = []; // newest first
  const waiters = new Set<Waiter<T>>();

  /** Whether the waiter is settled: matched (resolved) or its matcher threw (rejected). */
  const settle = (waiter: Waiter<T>, item: T): boolean => {
    try {
      if (!waiter.match(item)) return false;
      waiter.resolve(item);
    } catch (error) {
      waiter.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return true;
  };

  return {
    list: () => items.slice(),
    find: (predicate) => items.find(predicate),
    add(item) {
      items = [item, ...items.slice(0, itemsMax - 1)];
      for (const waiter of [...waiters]) if (settle(waiter, item)) waiters.delete(waiter);
    },
    waitFor(match, timeoutMs) {
      assert(Number.isInteger(timeoutMs) && timeoutMs > 0 && timeoutMs <= waitTimeoutMsMax, `timeoutMs must be 1..${waitTimeoutMsMax}`);
      assert(waiters.size < waitersMax, `more than ${waitersMax} waits for an ${kind} at once`);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no ${kind} matched within ${timeoutMs} ms (${items.length} caught and kept)`));
        }, timeoutMs);
        const waiter: Waiter<T> = {
          match,
          resolve: (item) => (clearTimeout(timer), resolve(item)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        };
        for (const item of items) if (settle(waiter, item)) return;
        waiters.add(waiter);
      });
    },
    clear() {
      items = [];
    },
    close() {
      for (const waiter of waiters) waiter.reject(new Error(`the mail catcher closed while waiting for an ${kind}`));
      waiters.clear();
    },
  };
}

// ---------------------------------------------------------------------------
// SMTP: every message is accepted, parsed and kept.

interface SmtpListener {
  server: SMTPServer;
  /** Every open client socket, for close() to destroy the ones that linger. */
  sockets: Set<Socket>;
}

function newSmtpServer(context: CatcherContext): SmtpListener {
  const sockets = new Set<Socket>();
  const smtp = new SMTPServer({
    logger: false,
    banner: 'Paypilot mail catcher',
    // Mailers configured with credentials may still log in; any user and password will do.
    authOptional: true,
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anonymous' }),
    disabledCommands: ['STARTTLS'],
    size: messageBytesMax,
    rejectOversized: true,
    disableReverseLookup: true,
    maxClients: smtpClientsMax,
    maxRecipients: smtpRecipientsMax,
    socketTimeout: smtpSocketTimeoutMs,
    closeTimeout: smtpCloseGraceMs,
    onData(stream, session, callback) {
      receiveEmail(stream, session).then(
        (email) => {
          context.emails.add(email);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  // Client resets and timeouts are reported here; without a listener they would crash the process.
  smtp.on('error', () => {});
  smtp.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return { server: smtp, sockets };
}

function listenSmtp(smtp: SmtpListener, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    smtp.server.once('error', reject);
    const server = smtp.server.listen(port, host, () => {
      smtp.server.off('error', reject);
      const address = server.address();
      assert(address !== null && typeof address === 'object', 'the SMTP server listens on a TCP port');
      resolve(address.port);
    });
  });
}

/**
 * Tells every connected client that the server is going away. smtp-server
 * calls back at the latest after closeTimeout (smtpCloseGraceMs), even while a
 * client still holds its side of a connection open; such sockets are
 * destroyed then, so close() never waits on a client and leaves nothing open.
 */
function closeSmtp(smtp: SmtpListener): Promise<void> {
  return new Promise((resolve) => {
    smtp.server.close(() => {
      for (const socket of smtp.sockets) socket.destroy();
      resolve();
    });
    for (const connection of [...smtp.server.connections]) {
      connection.send(421, 'Paypilot mail catcher shutting down');
      connection.close();
    }
  });
}

async function receiveEmail(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<CaughtEmail> {
  const raw = await readMessage(stream);
  if (raw === null) throw smtpError(552, `message exceeds ${messageBytesMax} bytes`);
  const parsed = await simpleParser(raw, { skipTextToHtml: true, skipTextLinks: true }).catch((error: unknown) => {
    throw smtpError(554, `message could not be parsed: ${error instanceof Error ? error.message : String(error)}`);
  });
  const envelopeFrom = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
  return freeze({
    id: `eml_${randomUUID()}`,
    from: parsed.from?.text ?? envelopeFrom,
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: parsed.html === false ? null : parsed.html,
    headers: flattenHeaders(parsed.headers),
    receivedAt: new Date(),
  });
}

/**
 * The message's bytes, or null when it went over messageBytesMax. Past the
 * limit the stream is still drained (the client is sending it) but not kept.
 */
function readMessage(stream: SMTPServerDataStream): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= messageBytesMax) chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(stream.sizeExceeded || bytes > messageBytesMax ? null : Buffer.concat(chunks)));
  });
}

function flattenHeaders(headers: Map<string, HeaderValue>): Record<string, string> {
  const entries = [...headers].slice(0, headersMax).map(([name, value]): [string, string] => [name.toLowerCase(), headerText(value)]);
  return Object.fromEntries(entries); // defines "__proto__" as a plain key, should a message carry one
}

/** mailparser decodes headers into strings, dates, address lists and value-with-parameters objects. */
function headerText(value: HeaderValue | HeaderValue[]): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((part: HeaderValue) => headerText(part)).join(', ');
  if ('text' in value) return value.text;
  const params = Object.entries(value.params ?? {}).map(([name, param]) => `; ${name}=${param}`);
  return `${value.value}${params.join('')}`;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

// ---------------------------------------------------------------------------
// HTTP: the SMS sink, the pages and the JSON API.

interface SmsBody {
  to: string;
  text: string;
}

const smsBodySchema = {
  type: 'object',
  required: ['to', 'text'],
  additionalProperties: false,
  properties: {
    to: { type: 'string', minLength: 1, maxLength: smsToCharsMax, pattern: '\\S' },
    text: { type: 'string', minLength: 1, maxLength: smsTextCharsMax },
  },
} as const;

/** Kept apart from listen(), so it could also be driven with app.inject(). */
function buildHttpApp(context: CatcherContext): FastifyInstance {
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    bodyLimit: smsBodyBytesMax,
    // Strict types: 13800138000 is not a phone number string. Unknown fields are refused, not dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(pageSecurityHeaders);
    return payload;
  });
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((request, reply) => sendHtml(reply.code(404), notFoundPage(`Nothing at ${request.url}`)));

  app.post<{ Body: SmsBody }>('/sms', { schema: { body: smsBodySchema }, onRequest: (request, reply) => gateSms(context, request, reply) }, async (request, reply) => {
    const sms = freeze({ id: `sms_${randomUUID()}`, to: request.body.to, text: request.body.text, receivedAt: new Date() });
    context.smsMessages.add(sms);
    return reply.code(200).send({ id: sms.id, status: 'queued' });
  });
  app.get('/', async (_request, reply) =>
    sendHtml(reply, indexPage({ emails: context.emails.list(), smsMessages: context.smsMessages.list(), smtpPort: context.smtpPort })),
  );
  app.get<{ Params: { id: string } }>('/emails/:id', async (request, reply) => {
    const email = context.emails.find((caught) => caught.id === request.params.id);
    if (email === undefined) return sendHtml(reply.code(404), notFoundPage(`No email with id ${request.params.id} (it may have been cleared).`));
    return sendHtml(reply, emailPage(email));
  });
  app.get('/api/emails', async () => context.emails.list());
  app.get('/api/sms', async () => context.smsMessages.list());
  // What the catcher was told, in the shape of the other simulators' records (kept in memory only, within messagesMax).
  app.get('/_control/records', async () => {
    const effects = [
      ...context.emails.list().map((email) => ({ kind: 'mail', at: email.receivedAt.toISOString(), key: email.headers['message-id'] ?? email.id, to: email.to, detail: email.subject })),
      ...context.smsMessages.list().map((sms) => ({ kind: 'sms', at: sms.receivedAt.toISOString(), key: sms.id, to: [sms.to], detail: null })),
    ].sort((a, b) => (a.at < b.at ? -1 : 1));
    return { simulator: 'mail', effects_total: effects.length, summary: { mail: context.emails.list().length, sms: context.smsMessages.list().length }, effects };
  });
  return app;
}

/** Authentication first, so that an unauthenticated post never uses up an injected failure. */
async function gateSms(context: CatcherContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (context.smsApiKey !== null && !keyMatches(bearerKey(request), context.smsApiKey)) {
    return sendError(reply, 401, 'api_key_invalid', 'Authorization: Bearer <smsApiKey> is missing or wrong');
  }
  if (context.smsFailuresLeft > 0) {
    context.smsFailuresLeft -= 1;
    return sendError(reply, 503, 'simulated_outage', 'the SMS sink was told to fail this post (failNextSms)');
  }
  return undefined;
}

function bearerKey(request: FastifyRequest): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
  return match?.[1] ?? null;
}

/** Compares digests, so the time taken says nothing about how much of the key was right. */
function keyMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const digest = (key: string): Buffer => createHash('sha256').update(key).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Fastify's own errors (schema validation, unreadable JSON, too large) as JSON errors. */
function answerError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation !== undefined) return sendError(reply, 400, 'body_invalid', error.message);
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return sendError(reply, status, 'request_invalid', error.message);
  return sendError(reply, 500, 'internal_error', 'the mail catcher failed to answer');
}

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}

function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(html);
}

/** Callers get the stored objects themselves; freezing keeps one test from changing what another reads. */
function freeze<T extends object>(message: T): T {
  for (const value of Object.values(message)) {
    if (typeof value === 'object' && value !== null && !(value instanceof Date)) Object.freeze(value);
  }
  return Object.freeze(message);
}
