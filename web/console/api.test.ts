/**
 * The console's one client: the CSRF token on every write, an
 * Idempotency-Key on /v1 writes (a new one per call), the mode where each
 * kind of route takes it, errors in the catalog's envelope as
 * ConsoleApiError, and a 401 ending the session in the shell.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsoleApi } from './api.ts';
import { ConsoleApiError } from './context.ts';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

function stubFetch(answer: (request: Sent) => Response): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const request = { url, method: init.method ?? 'GET', headers: init.headers as Record<string, string>, body: init.body ? JSON.parse(String(init.body)) : undefined };
    sent.push(request);
    return answer(request);
  });
  return sent;
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function client(onSessionEnded = vi.fn()) {
  return { api: createConsoleApi({ csrfToken: () => 'csrf-1', locale: () => 'zh-CN', mode: () => 'test', onSessionEnded }), onSessionEnded };
}

afterEach(() => vi.unstubAllGlobals());

describe('console api client', () => {
  it('sends the CSRF token on writes only, and the language on every request', async () => {
    const sent = stubFetch(() => json(200, { ok: true }));
    const { api } = client();
    await api.get('/console/api/members');
    await api.post('/console/api/members', { email: 'a@example.com', role: 'analyst' });
    await api.delete('/console/api/members/mem_1');
    expect(sent[0]!.headers['x-csrf-token']).toBeUndefined();
    expect(sent[1]!.headers['x-csrf-token']).toBe('csrf-1');
    expect(sent[2]!.headers['x-csrf-token']).toBe('csrf-1');
    expect(sent.map((r) => r.headers['accept-language'])).toEqual(['zh-CN', 'zh-CN', 'zh-CN']);
    expect(sent[1]!.body).toEqual({ email: 'a@example.com', role: 'analyst' });
  });

  it('gives each /v1 write a new Idempotency-Key and the mode as a header; console payment routes get it as a query', async () => {
    const sent = stubFetch(() => json(200, {}));
    const { api } = client();
    await api.post('/v1/api_keys', { kind: 'secret' });
    await api.post('/v1/api_keys', { kind: 'secret' });
    await api.get('/console/api/payments', { q: 'TEA' });
    await api.post('/console/api/members', {});
    const [first, second, search, member] = sent;
    expect(first!.headers['idempotency-key']).toMatch(/^console-/);
    expect(second!.headers['idempotency-key']).not.toBe(first!.headers['idempotency-key']);
    expect(first!.headers['paypilot-mode']).toBe('test');
    expect(search!.url).toBe('/console/api/payments?q=TEA&mode=test');
    expect(member!.headers['idempotency-key']).toBeUndefined();
    expect(member!.url).toBe('/console/api/members');
  });

  it('turns the catalog envelope into ConsoleApiError, and a 401 ends the session', async () => {
    stubFetch((request) =>
      request.url.includes('refund')
        ? json(403, { error: { code: 'console_role_forbidden', message: '您的角色不允许此操作。', suggestion: '请联系所有者。' } })
        : json(401, { error: { code: 'console_session_required', message: 'Sign in again.' } }),
    );
    const { api, onSessionEnded } = client();
    const refused = await api.post('/console/api/payments/pay_1/refund', {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConsoleApiError);
    expect(refused).toMatchObject({ status: 403, code: 'console_role_forbidden', message: '您的角色不允许此操作。 请联系所有者。' });
    expect(onSessionEnded).not.toHaveBeenCalled();
    await expect(api.get('/console/api/session')).rejects.toMatchObject({ status: 401, code: 'console_session_required' });
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
    // A wrong password at sign-in is a 401 too, but there is no session to end.
    await expect(api.post('/console/api/sign_in', { email: 'a', password: 'b' })).rejects.toBeInstanceOf(ConsoleApiError);
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
  });

  it('lets a page take a prefetched answer once, in the same mode only, and asks again after', async () => {
    let answered = 0;
    const sent = stubFetch(() => json(200, { answer: (answered += 1) }));
    let mode: 'live' | 'test' = 'test';
    const api = createConsoleApi({ csrfToken: () => null, locale: () => 'en', mode: () => mode, onSessionEnded: vi.fn() });
    api.prefetch('/v1/analytics/summary', { from: 'a', to: 'b' });
    expect(await api.get('/v1/analytics/summary', { from: 'a', to: 'b' })).toEqual({ answer: 1 });
    expect(sent).toHaveLength(1);
    expect(await api.get('/v1/analytics/summary', { from: 'a', to: 'b' })).toEqual({ answer: 2 });
    api.prefetch('/v1/analytics/summary', { from: 'a', to: 'b' });
    mode = 'live';
    expect(await api.get('/v1/analytics/summary', { from: 'a', to: 'b' })).toEqual({ answer: 4 });
    expect(sent.map((request) => request.headers['paypilot-mode'])).toEqual(['test', 'test', 'test', 'live']);
  });

  it('hands a failed prefetch to the page as its failure, never as an unhandled rejection', async () => {
    stubFetch(() => json(503, { error: { code: 'database_unavailable', message: 'Try again.' } }));
    const { api } = client();
    api.prefetch('/v1/analytics/feedback', { from: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(api.get('/v1/analytics/feedback', { from: 'a' })).rejects.toBeInstanceOf(ConsoleApiError);
  });
});
