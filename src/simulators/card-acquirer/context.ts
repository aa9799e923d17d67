/**
 * What every route of the simulated acquirer shares, and the few helpers that
 * turn a Fastify request into an account, an idempotency key and an answer.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assert } from '../../domain/assert.ts';
import type { Clock, RandomSource } from '../../domain/clock.ts';
import type { CardAcquirerFaults } from './faults.ts';
import { requestFingerprint, runIdempotent } from './idempotency.ts';
import type { ApiResponse } from './responses.ts';
import { errorResponse } from './responses.ts';
import type { AcquirerState } from './state.ts';
import type { SimulatorStore } from '../persistence/store.ts';

export interface AcquirerContext {
  /** Replaced as a whole by reset(); a request keeps the state it started with. */
  state: AcquirerState;
  /** Where the state is kept across restarts (nowhere without a data directory). */
  readonly store: SimulatorStore;
  faults: CardAcquirerFaults;
  readonly apiKeys: ReadonlySet<string>;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Waits; once the server starts closing, never settles (its socket is destroyed). */
  sleep(ms: number): Promise<void>;
}

const idempotencyKeyLengthMax = 255;

/** The Bearer key, which is also the account every object belongs to; null when absent. */
export function bearerKey(request: FastifyRequest): string | null {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  return match?.[1] ?? null;
}

/** Only called after the /v1 gate let the request through. */
function accountOf(request: FastifyRequest): string {
  const key = bearerKey(request);
  assert(key !== null, 'a /v1 route ran without an API key');
  return key;
}

export function send(reply: FastifyReply, response: ApiResponse): FastifyReply {
  return reply.code(response.statusCode).send(response.body);
}

/**
 * What a route does once the request is accepted: synchronous, on one state.
 * The key is null only where it is optional and was not sent.
 */
export type Work = (state: AcquirerState, account: string, idempotencyKey: string | null) => ApiResponse;

/** For routes that require the key: answerWrite has already refused a request without one. */
export function requiredKey(idempotencyKey: string | null): string {
  assert(idempotencyKey !== null, 'a route that requires an Idempotency-Key ran without one');
  return idempotencyKey;
}

/**
 * Runs a write under the request's Idempotency-Key (Stripe's rules, see
 * idempotency.ts). Without a key, where one is optional, the work just runs.
 */
export async function answerWrite(
  context: AcquirerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { keyRequired: boolean },
  work: Work,
): Promise<FastifyReply> {
  const state = context.state;
  const account = accountOf(request);
  const key = request.headers['idempotency-key'] ?? null;
  if (key === null && options.keyRequired) return send(reply, errorResponse('parameter_missing', { param: 'Idempotency-Key' }));
  if (key !== null && (typeof key !== 'string' || key === '' || key.length > idempotencyKeyLengthMax)) {
    return send(reply, errorResponse('parameter_invalid', { param: 'Idempotency-Key' }));
  }
  const hold = () => context.sleep(context.faults.processingMs);
  if (key === null) {
    await hold();
    return send(reply, work(state, account, null));
  }
  state.records.sawKey('idempotency_key', key);
  const path = request.url.split('?')[0] ?? request.url;
  const response = await runIdempotent({
    state,
    account,
    idempotencyKey: key,
    fingerprint: requestFingerprint(request.method, path, request.body),
    hold,
    work: () => work(state, account, key),
  });
  if (response.replayed) reply.header('Idempotent-Replayed', 'true');
  return send(reply, response);
}

/** Runs a read. */
export function answerRead(context: AcquirerContext, request: FastifyRequest, reply: FastifyReply, work: Work): FastifyReply {
  return send(reply, work(context.state, accountOf(request), null));
}
