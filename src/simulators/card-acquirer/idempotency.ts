/**
 * Stripe's idempotency rules, as the acquirer applies them:
 * - the first request with a key claims it, runs, and stores its answer;
 * - the same key with the same request replays that answer and does nothing;
 * - the same key with another request is refused (400 idempotency_error);
 * - the same key while the first is still running is refused (409).
 *
 * Only answers from work that ran to a result (200, declines included) are
 * stored. Validation errors, state conflicts and processing_error are not: a
 * retry with the same key runs again, and nothing was done in between.
 */
import { createHash } from 'node:crypto';
import type { AcquirerState } from './state.ts';
import { scopedKey } from './state.ts';
import type { ApiResponse } from './responses.ts';
import { errorResponse } from './responses.ts';

export interface IdempotentCall {
  state: AcquirerState;
  account: string;
  idempotencyKey: string;
  /** From requestFingerprint. */
  fingerprint: string;
  /** Time the work takes while it holds the key (the processingMs fault). */
  hold: () => Promise<void>;
  work: () => ApiResponse;
}

export interface IdempotentResponse extends ApiResponse {
  replayed: boolean;
}

export async function runIdempotent(call: IdempotentCall): Promise<IdempotentResponse> {
  const { idempotency } = call.state;
  const key = scopedKey(call.account, call.idempotencyKey);
  const existing = idempotency.get(key);
  if (existing !== undefined) {
    if (existing.fingerprint !== call.fingerprint) return { ...errorResponse('idempotency_key_reused'), replayed: false };
    if (existing.response === null) return { ...errorResponse('idempotency_key_in_use'), replayed: false };
    return { ...existing.response, replayed: true };
  }
  const record = { fingerprint: call.fingerprint, response: null as ApiResponse | null };
  idempotency.set(key, record);
  try {
    await call.hold();
    const response = call.work();
    if (response.statusCode === 200) {
      record.response = response;
      // Set again: with a data directory, this is what journals the answer (a flush may have run during hold()).
      idempotency.set(key, record);
    } else {
      idempotency.delete(key);
    }
    return { ...response, replayed: false };
  } catch (error) {
    idempotency.delete(key);
    throw error;
  }
}

/**
 * What makes two requests "the same". Hashed, so that the card number in an
 * authorization body is not kept in memory beside the stored answer.
 */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path} ${canonicalJson(body)}`).digest('hex');
}

/** JSON with object keys sorted, so that key order does not make two requests differ. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
