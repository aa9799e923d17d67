/**
 * Feeds the recent-requests log (flows/console/request-log.ts): one row per
 * /v1 request that reached a merchant (authenticated by a key or a console
 * session), appended to an in-memory buffer when the answer has gone out.
 * The error code is read from the answer's envelope only when it is an
 * error; nothing else of the body, and no header or query string, is kept.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FlowContext } from '../../flows/context.ts';
import { startRequestLog, type RequestLog } from '../../flows/console/request-log.ts';

const logs = new WeakMap<FastifyInstance, RequestLog>();

/** The app's request log (a test flushes it to read its own requests at once). */
export function requestLogOf(app: FastifyInstance): RequestLog | null {
  return logs.get(app) ?? null;
}

const errorCodePattern = /"code":"([a-z0-9_]{1,64})"/;

export function registerRequestLog(app: FastifyInstance, options: { context: FlowContext }): void {
  const log = startRequestLog(options.context, { onError: (error) => app.log.warn({ err: error }, 'request log write failed') });
  logs.set(app, log);
  const errorCodes = new WeakMap<FastifyRequest, string>();

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode >= 400 && request.auth && typeof payload === 'string') {
      const code = errorCodePattern.exec(payload.slice(0, 300))?.[1];
      if (code) errorCodes.set(request, code);
    }
    return payload;
  });

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = request.auth;
    if (!caller || !request.url.startsWith('/v1/')) return;
    const member = request.consoleSession?.member.id ?? null;
    log.record({
      requestId: request.id,
      merchantId: caller.merchantId,
      mode: caller.mode,
      keyId: member ? null : caller.keyId,
      memberId: member,
      method: request.method,
      path: request.url.split('?', 1)[0] ?? '',
      route: request.routeOptions.url ?? null,
      status: reply.statusCode,
      errorCode: errorCodes.get(request) ?? null,
      durationMs: Math.max(0, Math.round(reply.elapsedTime)),
      occurredAt: new Date(options.context.clock.nowMs()),
    });
  });

  app.addHook('onClose', async () => log.close());
}
