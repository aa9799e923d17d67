/// <reference lib="dom" />
/**
 * The one way the pages talk to the API: same origin, JSON, the chosen
 * language in Accept-Language, a timeout on every call, and failures turned
 * into two kinds of value: ApiError (the server answered, with its localized
 * message) and NetworkError (no answer: the same action may be retried with
 * the same Idempotency-Key, so it cannot happen twice).
 */
import type { ApiErrorBody } from './api-types.ts';
import type { Lang } from './i18n.ts';

export const readTimeoutMs = 15_000;
/** A confirm may wait on a provider (the API's own budget is 25 s), so it gets longer. */
export const writeTimeoutMs = 40_000;

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly body: ApiErrorBody;
  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.status = status;
    this.body = body;
  }
}

export class NetworkError extends Error {
  override name = 'NetworkError';
}

export interface ApiClientOptions {
  /** `Bearer pk_…` for checkout calls; null on the order page, whose token is in the query. */
  authorization: string | null;
  lang: () => Lang;
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: object, idempotencyKey: string): Promise<T>;
}

export function apiClient(options: ApiClientOptions): ApiClient {
  async function call<T>(method: 'GET' | 'POST', path: string, body: object | null, idempotencyKey: string | null): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': options.lang() };
    if (options.authorization) headers.Authorization = options.authorization;
    if (body) headers['Content-Type'] = 'application/json';
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), method === 'GET' ? readTimeoutMs : writeTimeoutMs);
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body ? JSON.stringify(body) : null,
        cache: 'no-store',
        credentials: 'same-origin',
        signal: controller.signal,
      });
    } catch (error) {
      throw new NetworkError(error instanceof Error ? error.message : 'network failure');
    } finally {
      clearTimeout(timer);
    }
    let parsed: unknown = null;
    try {
      parsed = await response.json();
    } catch {
      // A proxy's HTML error page or an empty body: handled below as an unreadable answer.
    }
    if (response.ok && parsed !== null && typeof parsed === 'object') return parsed as T;
    throw new ApiError(response.status, errorBodyOf(parsed, response.status));
  }
  return {
    get: (path) => call('GET', path, null, null),
    post: (path, body, idempotencyKey) => call('POST', path, body, idempotencyKey),
  };
}

/** The API's error object, or an empty one (code `unreadable_response`) that the page words itself. */
function errorBodyOf(parsed: unknown, status: number): ApiErrorBody {
  const error = (parsed as { error?: Partial<ApiErrorBody> } | null)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return { ...error, code: error.code, message: error.message, suggestion: typeof error.suggestion === 'string' ? error.suggestion : '' };
  }
  return { code: status >= 500 ? 'unreadable_response' : 'unexpected_response', message: '', suggestion: '' };
}

/** A fresh Idempotency-Key: a random UUID (or 128 random bits where randomUUID is missing, outside secure contexts). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * One key per payer action, reused only when the very same action is retried
 * after the previous try got no answer (or was still running): the API then
 * replays the first outcome instead of paying twice.
 */
export class IdempotencyKeys {
  private unanswered: { signature: string; key: string } | null = null;

  keyFor(signature: string): string {
    if (this.unanswered && this.unanswered.signature === signature) return this.unanswered.key;
    return newIdempotencyKey();
  }

  /** Records how the call with `key` ended, to decide whether a retry may reuse it. */
  settle(signature: string, key: string, error: unknown): void {
    const unanswered = error instanceof NetworkError || (error instanceof ApiError && error.body.code === 'idempotency_key_in_use');
    this.unanswered = unanswered ? { signature, key } : null;
  }
}
