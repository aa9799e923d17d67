/**
 * A virtual payer over HTTP: POST /v1/payments, then POST /v1/payments/:id/confirm
 * with a card the simulated acquirer approves, as a merchant's server would
 * (secret key, Idempotency-Key on each POST unless turned off). Uses Node's
 * fetch, whose global agent keeps connections alive and pools them.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { PaymentRequests } from './baseline.ts';
import type { Sample } from './load.ts';

/** Far above any latency the bench should see; a request that takes longer counts as an error. */
const requestTimeoutMs = 30_000;

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

export function createHttpPayer(options: HttpPayerOptions): () => Promise<Sample> {
  const headers = { authorization: `Bearer ${options.secretKey}`, 'content-type': 'application/json' };
  const createBody = JSON.stringify(options.requests.create);
  const confirmBody = JSON.stringify(options.requests.confirm);

  async function post(path: string, body: string): Promise<Answer> {
    const response = await fetch(`${options.apiUrl}${path}`, {
      method: 'POST',
      headers: options.withIdempotencyKeys ? { ...headers, 'idempotency-key': randomUUID() } : headers,
      body,
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  return async () => {
    const startedMs = performance.now();
    const created = await post('/v1/payments', createBody);
    const createdMs = performance.now();
    if (created.status !== 200 || !created.body.id) return failure('create', created);
    const confirmed = await post(`/v1/payments/${created.body.id}/confirm`, confirmBody);
    const endedMs = performance.now();
    if (confirmed.status !== 200 || confirmed.body.status !== 'succeeded') return failure('confirm', confirmed);
    return { ok: true, latenciesMs: { pair: endedMs - startedMs, create: createdMs - startedMs, confirm: endedMs - createdMs } };
  };
}

function failure(request: string, answer: Answer): Sample {
  return { ok: false, latenciesMs: {}, error: `${request}: HTTP ${answer.status} ${answer.body.error?.code ?? answer.body.status ?? ''}`.trim() };
}
