/**
 * The console's one way to reach the server. Every write carries the
 * session's CSRF token; a write to /v1 also carries an Idempotency-Key made
 * once per call, so a retried click can never act twice. Answers outside 2xx
 * arrive in the catalog's envelope and become ConsoleApiError; a 401 means the
 * session is gone (signed out elsewhere, expired, member removed), and the
 * shell returns to sign-in.
 */
import { ConsoleApiError } from './api-error.ts';
import type { ConsoleApi, ConsoleLocale, QueryValue } from './context.ts';

export interface ApiSettings {
  /** The session's CSRF token (null before sign-in). */
  csrfToken(): string | null;
  locale(): ConsoleLocale;
  /** Live or test data: the Paypilot-Mode header on /v1, the `mode` query on the console's payment-like routes. */
  mode(): 'live' | 'test';
  onSessionEnded(): void;
  /** Where answers asked for ahead are kept; shared with the console's first script (boot.ts), which asks before this client exists. */
  prefetched?: PrefetchedAnswers;
}

/** Answers asked for ahead (`prefetch`), by mode and address: a page's `get` of the same address takes one once, while fresh. */
export type PrefetchedAnswers = Map<string, { startedMs: number; answer: Promise<unknown> }>;

export function withQuery(path: string, query?: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${text}`;
}

/** Console routes that read or change one mode's data take `mode` in the query (docs/console-api.md). */
const modeQueryPrefixes = ['/console/api/payments', '/console/api/after_sales_requests', '/console/api/customers', '/console/api/channels', '/console/api/reconciliation', '/console/api/messages', '/console/api/analytics'];

function withMode(path: string, mode: 'live' | 'test'): string {
  if (!modeQueryPrefixes.some((prefix) => path.startsWith(prefix)) || /[?&]mode=/.test(path)) return path;
  return withQuery(path, { mode });
}

/** How long a prefetched answer may stand in for the page's own request (the page is drawn within a second or two). */
const prefetchFreshMs = 10_000;

function newIdempotencyKey(): string {
  return `console-${crypto.randomUUID()}`;
}

async function errorOf(response: Response): Promise<ConsoleApiError> {
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; suggestion?: string } & Record<string, unknown> } | null;
  const error = body?.error;
  const message = [error?.message, error?.suggestion].filter(Boolean).join(' ') || `${response.status} ${response.statusText}`;
  return new ConsoleApiError(response.status, error?.code ?? 'unknown', message, error ?? {});
}

export function createConsoleApi(settings: ApiSettings): ConsoleApi {
  async function send(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { accept, 'accept-language': settings.locale() };
    if (path.startsWith('/v1/')) headers['paypilot-mode'] = settings.mode();
    else path = withMode(path, settings.mode());
    if (method !== 'GET') {
      const csrf = settings.csrfToken();
      if (csrf) headers['x-csrf-token'] = csrf;
      if (path.startsWith('/v1/') && (method === 'POST' || method === 'DELETE')) headers['idempotency-key'] = newIdempotencyKey();
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    if (response.ok) return response;
    const error = await errorOf(response);
    if (response.status === 401 && !path.endsWith('/sign_in') && !path.startsWith('/console/api/password/')) settings.onSessionEnded();
    throw error;
  }
  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await send(method, path, body);
    return (response.status === 204 ? null : await response.json()) as T;
  }
  // Answers started by prefetch(), by address and mode; a page's get takes one once, and only while it is fresh.
  const prefetched: PrefetchedAnswers = settings.prefetched ?? new Map();
  const prefetchKey = (url: string) => `${settings.mode()} ${url}`;
  function get<T>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    const url = withQuery(path, query);
    const early = prefetched.get(prefetchKey(url));
    prefetched.delete(prefetchKey(url));
    if (early && performance.now() - early.startedMs <= prefetchFreshMs) return early.answer as Promise<T>;
    return json<T>('GET', url);
  }
  return {
    get,
    prefetch(path: string, query?: Record<string, QueryValue>) {
      const url = withQuery(path, query);
      const answer = json<unknown>('GET', url);
      // Nobody may take it: a failure is seen by the page's own request, never as an unhandled rejection.
      answer.catch(() => {});
      prefetched.set(prefetchKey(url), { startedMs: performance.now(), answer });
    },
    post: <T>(path: string, body?: unknown) => json<T>('POST', path, body ?? {}),
    patch: <T>(path: string, body?: unknown) => json<T>('PATCH', path, body ?? {}),
    put: <T>(path: string, body?: unknown) => json<T>('PUT', path, body ?? {}),
    delete: <T>(path: string) => json<T>('DELETE', path),
    downloadUrl: (path: string, query?: Record<string, QueryValue>) => withQuery(path, query),
    /** CSV answers need `Accept: text/csv`, which a plain link cannot send: fetch it and hand the file to the browser. */
    async downloadCsv(path: string, query: Record<string, QueryValue>, filename: string) {
      const response = await send('GET', withQuery(path, query), undefined, 'text/csv');
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}
