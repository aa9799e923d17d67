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
 *
 * A route with `idempotencyClaim: 'with_first_write'` (create and confirm a
 * payment: the hot path) has its key claimed by its flow's first write, in
 * the same statement (see store/idempotency.ts), which saves a round trip.
 * Its answers are those of a key claimed beforehand: a request whose flow
 * failed before claiming claims the key then, and is answered from it if the
 * key was there already (a replay, another request, one still running);
 * otherwise its error stands and is stored as usual.
 *
 * Each API process beats a heartbeat (flows/operations/api-node-heartbeat.ts)
 * and names itself in the keys it claims: a key held by a process that
 * stopped beating is taken over by a retry at once, not after the stale
 * window. A request whose key was taken over while it ran (its process was
 * only stalled) stores nothing and answers 409 idempotency_key_in_use: the
 * key now holds the other request's answer, which a retry gets.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../domain/clock.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { createApiNodeHeartbeat } from '../../flows/operations/api-node-heartbeat.ts';
import type { Db } from '../../store/database.ts';
import {
  IdempotencyKeyTaken,
  claimIdempotencyKey,
  completeIdempotencyKey,
  createKeyCompleter,
  heldBy,
  isIdempotencyFenceLost,
  releaseIdempotencyKey,
  runUnderIdempotencyKey,
  runWithDeferredClaim,
  type ClaimResult,
  type EffectObjectType,
  type HeldIdempotencyKey,
  type KeyedRequest,
} from '../../store/idempotency.ts';

/** The answer for an object a request changed before its process died. */
export type RecoverAnswer = (request: FastifyRequest, effect: { objectType: EffectObjectType; objectId: string }) => Promise<unknown>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's key; `pending` until claimed (claimed keys are completed when the answer is sent). */
    idempotencyKey: KeyedRequest | null;
  }
  interface FastifyContextConfig {
    /** When the key is claimed: before the handler (the default), or by the flow's first write. */
    idempotencyClaim?: 'before_handler' | 'with_first_write';
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
  // This process's name in the keys it claims, alive while it beats: the first beat before the first request.
  const node = createApiNodeHeartbeat(options.db, (error) => app.log.warn(`API node heartbeat not written: ${String(error)}`));
  app.addHook('onReady', () => node.start());
  app.addHook('onClose', () => node.stop());
  // Answers wait for their key to be complete; keys completing at the same time share one statement.
  const completer = createKeyCompleter(options.db, limits.idempotencyCompletionsPerStatementMax);

  // Every handler runs with its request's key in scope (registered before the routes, so it sees them all).
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function keyedHandler(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const keyed = request.idempotencyKey;
      if (!keyed) return handler.call(this, request, reply);
      if (!keyed.pending) return runUnderIdempotencyKey(keyed, () => fencedOff(request, keyed, () => handler.call(this, request, reply)));
      return runWithDeferredClaim(keyed, () =>
        runClaimingLate(request, reply, keyed, () => fencedOff(request, keyed, () => handler.call(this, request, reply))),
      );
    };
  });

  /** The answer to a request whose key was there already, as the claim found it. */
  async function answerTaken(
    request: FastifyRequest,
    reply: FastifyReply,
    ref: HeldIdempotencyKey,
    claim: Exclude<ClaimResult, { kind: 'claimed' }>,
  ): Promise<FastifyReply> {
    switch (claim.kind) {
      case 'recover': {
        const body = JSON.stringify(await options.recover(request, claim));
        if (!(await completeIdempotencyKey(options.db, ref, { status: 200, body }))) throw takenOver(request, ref);
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
  }

  /**
   * Runs a handler whose key its flow claims with its first write. A handler
   * that ends (answering or failing) without having claimed it claims it then,
   * so that it is answered as if the key had been claimed before it ran: from
   * the key when the key was there, with its own answer otherwise.
   */
  async function runClaimingLate(request: FastifyRequest, reply: FastifyReply, keyed: KeyedRequest, run: () => unknown): Promise<unknown> {
    const claimNow = async () => {
      const claim = keyed.pending;
      if (!claim) return null;
      const result = await claimIdempotencyKey(options.db, claim);
      if (result.kind === 'claimed') keyed.pending = null;
      return result.kind === 'claimed' ? null : result;
    };
    let answer: unknown;
    try {
      answer = await run();
    } catch (error) {
      if (error instanceof IdempotencyKeyTaken) return answerTaken(request, reply, keyed, error.claim);
      // The key could not be claimed (the database is down): the flow's own error stands, and nothing is stored.
      const taken = await claimNow().catch(() => null);
      if (taken) return answerTaken(request, reply, keyed, taken);
      throw error;
    }
    const taken = await claimNow();
    return taken ? answerTaken(request, reply, keyed, taken) : answer;
  }

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
    const claim = {
      apiKeyId: request.auth.keyId,
      merchantId: request.auth.merchantId,
      key,
      method: request.method,
      path,
      requestHash: requestHash(request.method, path, request.body),
      now: new Date(nowMs),
      nodeId: node.nodeId,
      staleBefore: new Date(nowMs - limits.idempotencyInProgressStaleMs),
      holderDeadAfterMs: limits.apiNodeDeadAfterMs,
    };
    if (request.routeOptions.config?.idempotencyClaim === 'with_first_write') {
      request.idempotencyKey = { ...heldBy(claim), pending: claim };
      return;
    }
    const result = await claimIdempotencyKey(options.db, claim);
    if (result.kind === 'claimed') {
      request.idempotencyKey = { ...heldBy(claim), pending: null };
      return;
    }
    // Answered from the key: never claimed by this request, so never completed by it either.
    request.idempotencyKey = { ...heldBy(claim), pending: claim };
    return answerTaken(request, reply, request.idempotencyKey, result);
  });

  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const ref = request.idempotencyKey;
    // A key never claimed (its request was answered from the key, or could not claim it) is not this request's to complete.
    if (!ref || ref.pending) return payload;
    request.idempotencyKey = null;
    options.beforeKeyCompletes?.();
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : JSON.stringify(payload);
    if (reply.statusCode === 400 && isParameterError(body)) {
      await releaseIdempotencyKey(options.db, ref);
    } else {
      const redact = request.routeOptions.config?.idempotencyRedact ?? [];
      if (!(await completer.complete(ref, { status: reply.statusCode, body: redacted(body, redact) }))) throw takenOver(request, ref);
    }
    return payload;
  });
}

/**
 * The answer of a request whose key another request took over while it ran (its process was taken for dead):
 * its own answer is not stored and not sent, since the key now answers with the other request's; a retry gets that.
 */
function takenOver(request: FastifyRequest, held: HeldIdempotencyKey): PaymentError {
  request.log.warn({ lockedBy: held.lockedBy, lockedAt: held.lockedAt.toISOString() }, 'idempotency key taken over while its request ran: its answer is not stored');
  return new PaymentError('idempotency_key_in_use');
}

/**
 * Runs a keyed handler; a write of it refused by its key's fence (store/idempotency.ts: the key was taken over
 * before the write, which did not happen) ends the request as a completion refused by the fence does.
 */
async function fencedOff(request: FastifyRequest, held: HeldIdempotencyKey, run: () => unknown): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    if (!isIdempotencyFenceLost(error)) throw error;
    // The key is another request's now: this one's answer is not stored (onSend leaves a key it no longer has).
    request.idempotencyKey = null;
    throw takenOver(request, held);
  }
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
