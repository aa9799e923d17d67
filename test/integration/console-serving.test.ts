/**
 * Where the console lives: `/` and every address under `/console` answer the
 * console's page under a strict policy (scripts from this origin only,
 * styles by a nonce new in each answer), its files are cached for good, and
 * what was there before keeps working: the API's JSON under /console/api,
 * the reference at /docs, the payer's pages.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/schema.ts';
import { emailRun, signedInMember } from '../support/console.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('the console page', () => {
  it('is served at /, /console and any console address, each answer with a new style nonce', async () => {
    const nonces = new Set<string>();
    for (const path of ['/', '/console', '/console/', '/console/payments/pay_123', '/console/set-password']) {
      const response = await fetch(`${stack.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.headers.get('cache-control')).toBe('no-store');
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("script-src 'self'");
      expect(policy).not.toContain('unsafe-inline');
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
      expect(nonce).toBeTruthy();
      nonces.add(nonce!);
      const html = await response.text();
      expect(html).toContain(`data-style-nonce="${nonce}"`);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    }
    expect(nonces.size).toBe(5);
  }, 120_000);

  it('serves the entry, the chunks it preloads and every page chunk by hash, cached for good and gzipped when asked', async () => {
    const html = await (await fetch(`${stack.url}/console`)).text();
    const script = /<script type="module" src="(\/console\/assets\/console\.[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    const style = /rel="stylesheet" href="(\/console\/assets\/console\.[A-Z0-9]{8}\.css)"/.exec(html)?.[1];
    const preloaded = [...html.matchAll(/rel="modulepreload" href="(\/console\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(script && style).toBeTruthy();
    expect(preloaded.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    const toFetch = [script!, style!, ...preloaded];
    // Follow every import (static and `import()`) from the entry: every chunk it can ever ask for is served.
    while (toFetch.length > 0) {
      const path = toFetch.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const response = await fetch(`${stack.url}${path}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-type')).toMatch(path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      const body = await response.text();
      expect(body.length).toBeGreaterThan(path.endsWith('.css') ? 100 : 10);
      for (const match of body.matchAll(/["'](?:\.\/)?((?:console|shared|[a-z-]+)\.[A-Z0-9]{8}\.js)["']/g)) toFetch.push(`/console/assets/${match[1]}`);
    }
    // The first script (boot), loaded beside the entry and before it: its chunks are the entry's too, so all were preloaded.
    const boot = /<script type="module" async src="(\/console\/assets\/boot\.[A-Z0-9]{8}\.js)"/.exec(html)?.[1];
    expect(boot).toBeTruthy();
    expect(html.indexOf(boot!)).toBeLessThan(html.indexOf(script!));
    expect((await fetch(`${stack.url}${boot}`)).status).toBe(200);
    // The entry, its chunks, the shell and every page (18 pages) at least.
    expect(seen.size).toBeGreaterThan(20);
    // With a session cookie, the page an address names is preloaded with the entry: the overview's charts at /console, not at /console/team.
    // (The cookie is only looked at; a made-up one is enough for the page, whose session read then answers 401.)
    const cookie = { cookie: `paypilot_console=${'a'.repeat(32)}` };
    const preloadsOf = async (path: string, headers: Record<string, string> = cookie) =>
      new Set([...(await (await fetch(`${stack.url}${path}`, { headers })).text()).matchAll(/rel="modulepreload" href="([^"]+)"/g)].map((match) => match[1]!));
    const overview = await preloadsOf('/console');
    const team = await preloadsOf('/console/team');
    // Without one, the sign-in pages' chunks instead: none of the overview's own.
    const signIn = await preloadsOf('/console', {});
    expect([...signIn].some((path) => !overview.has(path))).toBe(true);
    expect([...overview].some((path) => !signIn.has(path))).toBe(true);
    expect(await preloadsOf('/console/set-password')).toEqual(signIn);
    expect([...overview].some((path) => !team.has(path))).toBe(true);
    expect([...team].some((path) => !overview.has(path))).toBe(true);
    // The pages added last too (pages/loyalty.tsx, pages/coupons.tsx).
    for (const page of ['/console/loyalty', '/console/coupons']) expect([...(await preloadsOf(page))].some((path) => !team.has(path)), page).toBe(true);
    expect((await fetch(`${stack.url}/console/assets/console.AAAAAAAA.js`)).status).toBe(404);
    expect((await fetch(`${stack.url}/console/assets/..%2Fbuild.ts`)).status).toBe(404);
  }, 120_000);

  it('leaves the API, the reference and the payer pages as they were', async () => {
    const unknown = await fetch(`${stack.url}/console/api/no_such_route`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe('route_unknown');
    const session = await fetch(`${stack.url}/console/api/session`);
    expect(session.status).toBe(401);
    expect(((await session.json()) as any).error.code).toBe('console_session_required');
    expect((await fetch(`${stack.url}/docs`, { redirect: 'manual' })).status).toBeLessThan(400);
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
    const checkout = await fetch(`${stack.url}/checkout/pay_unknown`);
    expect(checkout.status).toBe(404);
    expect(checkout.headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${stack.url}/orders/ord_1`)).status).toBe(200);
    const posted = await fetch(`${stack.url}/`, { method: 'POST' });
    expect(posted.status).toBe(404);
  });
});

describe("a signed-in visitor's page", () => {
  const carried = (html: string): unknown => {
    const content = /<meta name="paypilot-session" content="([^"]*)">/.exec(html)?.[1];
    if (content === undefined) return null;
    const text = content.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    return JSON.parse(text);
  };
  const page = async (cookie: string | null) =>
    stack.app.inject({ method: 'GET', url: '/console', headers: cookie ? { cookie } : {} });

  it('carries the live session\'s answer, the same GET /console/api/session gives, so the first script need not ask; no other page does', async () => {
    const member = await signedInMember(stack, stack.merchant.merchantId, 'analyst', `analyst@${emailRun}.serving.example.com`, { address: '10.9.0.1', totpAt: () => '' });
    const asked = await member.request('GET', '/console/api/session');
    expect(asked.status).toBe(200);
    const signedIn = await page(member.cookie);
    expect(signedIn.headers['cache-control']).toBe('no-store');
    expect(carried(signedIn.body)).toEqual(asked.body);
    // Still no inline script: the answer is an attribute's data.
    expect(signedIn.body).not.toMatch(/<script(?![^>]*\bsrc=)/);

    expect(carried((await page(null)).body)).toBeNull();
    expect(carried((await page('paypilot_console=not-a-session')).body)).toBeNull();
    // A session that cannot be read (the database not answering) leaves the page without it, never without the page.
    const working = stack.context.db;
    const unreachable = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 500 }) }) });
    stack.context.db = unreachable;
    try {
      const withoutDatabase = await page(member.cookie);
      expect(withoutDatabase.statusCode).toBe(200);
      expect(carried(withoutDatabase.body)).toBeNull();
    } finally {
      stack.context.db = working;
      await unreachable.destroy();
    }
    const out = await member.request('POST', '/console/api/sign_out', {});
    expect(out.status).toBeLessThan(300);
    expect(carried((await page(member.cookie)).body)).toBeNull();
  });
});

