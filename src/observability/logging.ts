/**
 * The API's logger, set so that no secret reaches a log at any level, trace
 * included: the hosted checkout polls `GET …?client_secret=…`, order pages
 * open with `?token=…`, and bodies carry PINs, card numbers, codes and
 * provider credentials.
 *
 * - A request is logged by method, redacted URL (query values replaced, see
 *   domain/redaction.ts), host and remote address: never its headers or body.
 * - An error is logged by type, error code, status, message and stack, the last two
 *   redacted; nothing else it carries (Node's client errors carry the raw
 *   request bytes, headers included; a parse error may quote the body).
 * - Fields named like secrets are censored wherever a log call passes them
 *   (a few levels deep).
 * - Every line, as a last guard, loses query values, URL credentials, API
 *   keys and bearer tokens before it is written.
 */
import { createWriteStream } from 'node:fs';
import type { FastifyServerOptions } from 'fastify';
import { redactCredentials, redactFreeText, redactUrl, redactedMark, sensitiveFieldNames } from '../domain/redaction.ts';

export interface LogDestination {
  write(line: string): void;
}

type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

interface LoggedError {
  name?: string;
  constructor?: { name?: string };
  message?: unknown;
  stack?: unknown;
  code?: unknown;
  statusCode?: unknown;
}

const sensitiveNames = new Set<string>(sensitiveFieldNames);
/** What Fastify logs, each through its own serializer above: nothing to censor by name there. */
const serializedKeys = new Set(['req', 'res', 'err', 'responseTime']);
const censorDepthMax = 4;

/**
 * A log call's own fields with every field named like a secret censored, down a few levels of plain
 * objects and arrays; the caller's object is never changed. (pino's path-based `redact` would cost
 * about ten times the rest of a log line with a path per name and place.)
 */
export function censorFields(value: unknown, depth = 0): unknown {
  if (depth > censorDepthMax || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => censorFields(item, depth + 1));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | null = null;
  for (const [key, field] of Object.entries(value)) {
    if (depth === 0 && serializedKeys.has(key)) continue;
    const censored = sensitiveNames.has(key.toLowerCase()) ? redactedMark : censorFields(field, depth + 1);
    if (censored !== field) (copy ??= { ...value })[key] = censored;
  }
  return copy ?? value;
}

/** `level`: fatal … trace, or silent (pino refuses anything else at start). */
export function loggerOptions(level: string, destination?: LogDestination): LoggerOptions {
  return {
    level,
    ...(destination ? { stream: destination } : {}),
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: redactUrl(request.url ?? ''),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
      err: (error: LoggedError) => serializeError(error),
    },
    formatters: { log: (object) => censorFields(object) as Record<string, unknown> },
    hooks: {
      // A message given as text is redacted like free text; an Error given alone keeps only its redacted message.
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        if (first instanceof Error) {
          const message = typeof rest[0] === 'string' ? rest[0] : first.message;
          return method.apply(this, [{ err: first }, redactFreeText(message)] as never);
        }
        return method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactFreeText(arg) : arg)) as never);
      },
      streamWrite: (line: string) => redactCredentials(line),
    },
  };
}

export function serializeError(error: LoggedError): { type: string; message: string; stack: string; [key: string]: unknown } {
  if (typeof error !== 'object' || error === null) return { type: typeof error, message: redactFreeText(String(error)), stack: '' };
  return {
    type: error.constructor?.name ?? error.name ?? 'Error',
    message: redactFreeText(String(error.message ?? '')),
    stack: typeof error.stack === 'string' ? redactFreeText(error.stack) : '',
    // Not `code`: that name is censored everywhere, being what one-time codes are sent as.
    errorCode: typeof error.code === 'string' || typeof error.code === 'number' ? error.code : undefined,
    statusCode: typeof error.statusCode === 'number' ? error.statusCode : undefined,
  };
}

/** A line for the worker's log (graphile-worker's messages quote errors, which may quote URLs or cards). */
export function redactLogLine(line: string): string {
  return redactFreeText(line);
}

/** pino's number for each level name; a line at or above `warn` (40) is one a person at the terminal should see. */
const pinoLevels: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, warning: 40, error: 50, fatal: 60 };
export const warnLevel = pinoLevels.warn!;

export interface FileLogDestination extends LogDestination {
  /** A worker's line (plain text from graphile-worker), written as JSON like the API's. */
  writeWorkerLine(level: string, line: string): void;
  close(): Promise<void>;
}

/**
 * Where `npm start` logs when LOG_LEVEL is not set: every line to a file in the
 * data directory (appended across starts), and those at `warn` and above also
 * to `echo` (the terminal), so the banner stays readable. The lines are
 * redacted before they reach a destination (loggerOptions, redactLogLine).
 */
export function fileLogDestination(file: string, echo: (line: string) => void): FileLogDestination {
  const stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  // A log that cannot be written must not stop the server: say so once, on the terminal.
  let failed = false;
  stream.on('error', (error) => {
    if (!failed) echo(`paypilot: cannot write the log file ${file}: ${error.message}`);
    failed = true;
  });
  const write = (line: string, level: number) => {
    if (!failed) stream.write(line.endsWith('\n') ? line : `${line}\n`);
    if (level >= warnLevel) echo(line.trimEnd());
  };
  return {
    write: (line) => write(line, Number(/"level":(\d+)/.exec(line)?.[1] ?? warnLevel)),
    writeWorkerLine: (level, line) => {
      const number = pinoLevels[level] ?? pinoLevels.info!;
      write(JSON.stringify({ level: number, time: Date.now(), msg: line }), number);
    },
    close: () => new Promise<void>((resolve) => stream.end(resolve)),
  };
}
