/**
 * The merchant console's page: `/` and every address under `/console` (the
 * console routes in the browser) answer one small HTML shell around the
 * console's entry script and stylesheet, built from web/console on the first
 * visit (in memory, once per process). A first script of a few KiB (boot)
 * asks for the session and the overview's figures while the entry loads.
 * The entry's chunks, and those the visitor needs next, are named in the
 * page (modulepreload) so they load with it, not after it; the others are
 * imported by the console when needed. Every file is
 * served by its hashed name under /console/assets, cached for good. `/console/api/…` stays the API's: an unknown path there
 * answers the catalog's JSON error, never the page.
 *
 * Content-Security-Policy: scripts from this origin only; Ant Design's
 * component styles come built in the console's stylesheet, and only its
 * theme's CSS variables are written at run time, as style elements allowed
 * by a nonce made for each answer (the page hands it to Ant Design), never
 * by 'unsafe-inline'.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { sessionTokenFrom } from '../../domain/console/session-cookie.ts';
import { PaymentError } from '../../domain/errors.ts';
import { buildConsoleAssets, consoleAssetNamePattern, type ConsoleAssets } from '../../../web/console-build.ts';
import { escapeHtml } from '../../../web/shell.ts';
import type { FlowContext } from '../../flows/context.ts';
import { checkSessionAccess, findLiveSession } from '../../flows/console/sessions.ts';
import { sessionAnswer } from './console/auth/session.ts';
import type { App, RouteDeps } from './route-kit.ts';

let built: Promise<ConsoleAssets> | null = null;

/** Built once per process, on first use (a server that never shows the console never builds it). */
export function consoleAssets(): Promise<ConsoleAssets> {
  built ??= buildConsoleAssets().catch((error: unknown) => {
    built = null;
    throw error;
  });
  return built;
}

export function consoleContentSecurityPolicy(nonce: string): string {
  return `default-src 'none'; script-src 'self'; style-src 'self' 'nonce-${nonce}'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
}

/** The page module (web/console/pages/<name>.tsx) an address opens, as page-loaders.ts maps them: preloaded with the entry. */
function pageModuleOf(path: string): string {
  const [segment = '', id] = path.replace(/^\/console\/?/, '').split('/').filter(Boolean);
  if (segment === '') return 'overview';
  if (segment === 'audit') return 'audit-log';
  if (id !== undefined && (segment === 'payments' || segment === 'customers')) return `${segment.slice(0, -1)}-detail`;
  return segment;
}

/**
 * Besides the entry's chunks, what the visitor needs next, asked for here so
 * that it loads while the entry runs instead of after it: with a session
 * cookie (the usual visitor, signed in), the shell's chunks and those of the
 * page the address names; without one, or on the page an emailed link opens,
 * the sign-in pages'. The cookie is only looked at, not checked: a wrong
 * guess costs a chunk loaded later, nothing else.
 */
function preloadsOf(assets: ConsoleAssets, path: string, sessionCookie: boolean): string[] {
  const module = pageModuleOf(path);
  if (!sessionCookie || module === 'set-password' || module === 'password') return [...new Set([...assets.entryImports, ...assets.signIn.files])];
  const page = assets.pages.find((candidate) => candidate.page === module);
  return [...new Set([...assets.entryImports, ...assets.shell.files, ...(page?.files ?? [])])];
}

/**
 * The page of a visitor whose session cookie names a live session carries
 * that session's answer (what GET /console/api/session would give, read with
 * the same check) in a meta element the first script reads: the overview's
 * figures are then asked for as soon as that script runs, without waiting a
 * round trip for the session. The page is `no-store`, sent only to a
 * request with the cookie (SameSite=Strict), and the policy allows no inline
 * script: the answer is data in an attribute, HTML-escaped.
 */
export function consolePage(assets: ConsoleAssets, nonce: string, path: string, sessionCookie = true, session: unknown = null): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Paypilot console</title>
<link rel="icon" href="data:,">${session === null ? '' : `\n<meta name="paypilot-session" content="${escapeHtml(JSON.stringify(session))}">`}
<link rel="stylesheet" href="/console/assets/${escapeHtml(assets.entry.css)}">
<script type="module" async src="/console/assets/${escapeHtml(assets.boot)}"></script>
<script type="module" src="/console/assets/${escapeHtml(assets.entry.js)}"></script>
${preloadsOf(assets, path, sessionCookie).map((name) => `<link rel="modulepreload" href="/console/assets/${escapeHtml(name)}">`).join('\n')}
</head>
<body>
<div id="root" data-style-nonce="${escapeHtml(nonce)}"></div>
<noscript><p>The Paypilot console needs JavaScript. 控制台需要启用 JavaScript。控制台需要啟用 JavaScript。</p></noscript>
</body>
</html>
`;
}

/** The session answer for the page, when the cookie names a live session that may read it; null otherwise (the page then asks). */
async function liveSessionAnswer(context: FlowContext, request: FastifyRequest): Promise<unknown> {
  const token = sessionTokenFrom(request.headers.cookie);
  const session = token ? await findLiveSession(context, token) : null;
  if (!session) return null;
  try {
    checkSessionAccess(session, 'session', { required: false, given: null });
  } catch {
    return null;
  }
  return sessionAnswer(context, session);
}

async function sendPage(context: FlowContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // The page never fails for the session it carries: without it (the database not answering, say), the first
  // script asks for the session itself, and that answer's catalogued error is what the member sees.
  const carried = liveSessionAnswer(context, request).catch((error: unknown) => {
    request.log.warn({ err: error }, 'console page sent without its session: the session could not be read');
    return null;
  });
  const [assets, session] = await Promise.all([consoleAssets(), carried]);
  const nonce = randomBytes(16).toString('base64');
  return reply
    .header('content-security-policy', consoleContentSecurityPolicy(nonce))
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(consolePage(assets, nonce, request.url.split('?')[0] ?? '/console', sessionTokenFrom(request.headers.cookie) !== null, session));
}

export function registerConsolePages(app: App, deps: RouteDeps): void {
  app.get('/', { schema: { hide: true } }, async (request, reply) => sendPage(deps.context, request, reply));
  app.get('/console', { schema: { hide: true } }, async (request, reply) => sendPage(deps.context, request, reply));
  // Its own route: under `/console/*` the wildcard would be empty, which the app refuses as a path without its parameter.
  app.get('/console/', { schema: { hide: true } }, async (request, reply) => sendPage(deps.context, request, reply));
  app.get('/console/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path.startsWith('/console/api/')) throw new PaymentError('route_unknown', { details: { method: request.method, path } });
    return sendPage(deps.context, request, reply);
  });
  app.get('/console/assets/:name', { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 100 }) }) } }, async (request, reply) => {
    const assets = await consoleAssets();
    const asset = consoleAssetNamePattern.test(request.params.name) ? assets.files.get(request.params.name) : undefined;
    if (!asset) return reply.code(404).type('text/plain').send('not found');
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    void reply
      .header('content-type', asset.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding');
    if (gzip) void reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? asset.gzip : asset.body);
  });
}
