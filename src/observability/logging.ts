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
 * - Fields named like secrets are censored wherever a log call passes them.
 * - Every line, as a last guard, loses query values, URL credentials, API
 *   keys and bearer tokens before it is written.
 */
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

/** Where a log call might put a secret: its own fields, one level into any object, and a request's body, query, params or headers. */
const censoredPaths = sensitiveFieldNames.flatMap((name) => {
  const parts = ['body', 'query', 'params', 'headers'];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return ['req', 'request'].map((owner) => `${owner}.headers["${name}"]`);
  return [name, `*.${name}`, ...parts.flatMap((part) => [`req.${part}.${name}`, `request.${part}.${name}`])];
});

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
    redact: { paths: censoredPaths, censor: redactedMark },
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
