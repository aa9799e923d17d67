/**
 * A virtual payer over HTTP: POST /v1/payments, then POST /v1/payments/:id/confirm
 * with a card the simulated acquirer approves, as a merchant's server would
 * (secret key, Idempotency-Key on each POST unless turned off). Uses Node's
 * fetch, whose global agent keeps connections alive and pools them.
 *
 * Only the HTTP API is used, so the bench keeps working whatever the server
 * does inside.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Sample } from './load.ts';

/** Far above any latency the bench should see; a request that takes longer counts as an error. */
const requestTimeoutMs = 30_000;

/** The two request bodies, as a merchant sends them. */
export interface PaymentRequests {
  create: { amount: number; currency: string };
  confirm: { payment_method: { type: 'card'; card: { number: string; exp_month: number; exp_year: number; cvc: string } } };
}

export interface HttpPayerOptions {
  apiUrl: string;
  secretKey: string;
  withIdempotencyKeys: boolean;
  requests: PaymentRequests;
}

interface Answer {
  status: number;
  body: { id?: string; status?: string; error?: { code?: string } };
}

/**
 * One payment. `startMs` (performance.now() time) is when it was due: an open
 * loop passes its schedule, so a payment sent late is measured from when it
 * should have started (no coordinated omission); the confirm is measured from
 * the create's answer, when it could be sent. `signal` aborts both requests.
 */
export type HttpPayer = (startMs?: number, signal?: AbortSignal) => Promise<Sample>;

export function createHttpPayer(options: HttpPayerOptions): HttpPayer {
  const headers = { authorization: `Bearer ${options.secretKey}`, 'content-type': 'application/json' };
  const createBody = JSON.stringify(options.requests.create);
  const confirmBody = JSON.stringify(options.requests.confirm);

  async function post(path: string, body: string, signal: AbortSignal | undefined): Promise<Answer> {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    const response = await fetch(`${options.apiUrl}${path}`, {
      method: 'POST',
      headers: options.withIdempotencyKeys ? { ...headers, 'idempotency-key': randomUUID() } : headers,
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  return async (startMs = performance.now(), signal) => {
    const created = await post('/v1/payments', createBody, signal);
    const createdMs = performance.now();
    if (created.status !== 200 || !created.body.id) return failure('create', created);
    const confirmed = await post(`/v1/payments/${created.body.id}/confirm`, confirmBody, signal);
    const endedMs = performance.now();
    if (confirmed.status !== 200 || confirmed.body.status !== 'succeeded') return failure('confirm', confirmed);
    return { ok: true, latenciesMs: { pair: endedMs - startMs, create: createdMs - startMs, confirm: endedMs - createdMs } };
  };
}

/** One GET with the secret key: how long it took and what it answered. */
export async function timedGet(apiUrl: string, secretKey: string, path: string): Promise<{ ms: number; status: number; body: string }> {
  const startedMs = performance.now();
  const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${secretKey}` }, signal: AbortSignal.timeout(5 * requestTimeoutMs) });
  const body = await response.text();
  return { ms: performance.now() - startedMs, status: response.status, body };
}

function failure(request: string, answer: Answer): Sample {
  return { ok: false, latenciesMs: {}, error: `${request}: HTTP ${answer.status} ${answer.body.error?.code ?? answer.body.status ?? ''}`.trim() };
}
