/**
 * Idempotency-Key on every POST, by Stripe's rules (see store/idempotency.ts).
 * The key is claimed after authentication and validation, so requests those
 * refuse leave no trace; a request refused by the flow's own parameter
 * checks (a 400 invalid_request_error) releases its key the same way.
 *
 * A key's effect happens at most once, whatever crashes: the handler runs
 * with its key in scope, so the statement that creates or moves a payment or
 * refund marks the key with that object. A key left in progress by a process
 * that died is answered, once stale, with that object as it now stands; only
 * a key whose request changed nothing runs again.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../domain/clock.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import type { Db } from '../../store/database.ts';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  runUnderIdempotencyKey,
  type EffectObjectType,
} from '../../store/idempotency.ts';

/** The answer for an object a request changed before its process died. */
export type RecoverAnswer = (request: FastifyRequest, effect: { objectType: EffectObjectType; objectId: string }) => Promise<unknown>;

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey: { apiKeyId: string; key: string } | null;
  }
  interface FastifyContextConfig {
    /** Top-level fields of the answer stored as null: secrets shown once are never kept for replays. */
    idempotencyRedact?: readonly string[];
  }
}

export interface IdempotencyOptions {
  db: Db;
  clock: Clock;
  recover: RecoverAnswer;
  /** Fault injection for crash tests: runs after the handler, before the key is completed. */
  beforeKeyCompletes?: () => void;
}

export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  app.decorateRequest('idempotencyKey', null);

  // Every handler runs with its request's key in scope (registered before the routes, so it sees them all).
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function keyedHandler(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const ref = request.idempotencyKey;
      return ref ? runUnderIdempotencyKey(ref, () => handler.call(this, request, reply)) : handler.call(this, request, reply);
    };
  });

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST' || !request.auth) return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > limits.idempotencyKeyLengthMax) {
      throw new PaymentError('parameter_invalid', {
        param: 'Idempotency-Key',
        details: { reason: `between 1 and ${limits.idempotencyKeyLengthMax} characters` },
      });
    }
    const nowMs = options.clock.nowMs();
    const path = request.url.split('?')[0] ?? request.url;
    const claim = await claimIdempotencyKey(options.db, {
      apiKeyId: request.auth.keyId,
      key,
      method: request.method,
      path,
      requestHash: requestHash(request.method, path, request.body),
      now: new Date(nowMs),
      staleBefore: new Date(nowMs - limits.idempotencyInProgressStaleMs),
    });
    switch (claim.kind) {
      case 'claimed':
        request.idempotencyKey = { apiKeyId: request.auth.keyId, key };
        return;
      case 'recover': {
        const body = JSON.stringify(await options.recover(request, claim));
        await completeIdempotencyKey(options.db, { apiKeyId: request.auth.keyId, key }, { status: 200, body });
        return reply.code(200).header('idempotent-replayed', 'true').header('content-type', 'application/json; charset=utf-8').send(body);
      }
      case 'mismatch':
        throw new PaymentError('idempotency_key_reused');
      case 'in_progress':
        throw new PaymentError('idempotency_key_in_use');
      case 'replay':
        return reply
          .code(claim.status)
          .header('idempotent-replayed', 'true')
          .header('content-type', 'application/json; charset=utf-8')
          .send(claim.body);
    }
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const ref = request.idempotencyKey;
    if (!ref) return payload;
    request.idempotencyKey = null;
    options.beforeKeyCompletes?.();
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : JSON.stringify(payload);
    if (reply.statusCode === 400 && isParameterError(body)) {
      await releaseIdempotencyKey(options.db, ref);
    } else {
      const redact = request.routeOptions.config?.idempotencyRedact ?? [];
      await completeIdempotencyKey(options.db, ref, { status: reply.statusCode, body: redacted(body, redact) });
    }
    return payload;
  });
}

function redacted(body: string, fields: readonly string[]): string {
  if (fields.length === 0) return body;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    if (!parsed || typeof parsed !== 'object') return body;
    for (const field of fields) if (field in parsed) parsed[field] = null;
    return JSON.stringify(parsed);
  } catch {
    return body;
  }
}

function isParameterError(body: string): boolean {
  try {
    return (JSON.parse(body) as { error?: { type?: string } }).error?.type === 'invalid_request_error';
  } catch {
    return false;
  }
}

/** Same method, path and parameters give the same hash, whatever the key order in the JSON. */
export function requestHash(method: string, path: string, body: unknown): Buffer {
  return createHash('sha256').update(`${method}\n${path}\n${canonicalJson(body ?? null)}`).digest();
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
