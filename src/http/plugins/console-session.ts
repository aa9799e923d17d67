/**
 * The console's one gate. Every route under /console/api declares in its
 * config either `console: 'public'` (sign-in, password links) or
 * `console: { permission }`; this hook then requires a live session cookie,
 * the session's CSRF token on every request that changes something, a
 * confirmed second factor where the role needs one, and the permission in
 * the role's table (domain/console/permissions.ts). A route under
 * /console/api that declares neither is a programmer error, refused at start.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assert } from '../../domain/assert.ts';
import type { ConsolePermission } from '../../domain/console/permissions.ts';
import { sessionTokenFrom } from '../../domain/console/session-cookie.ts';
import { PaymentError } from '../../domain/errors.ts';
import type { FlowContext } from '../../flows/context.ts';
import type { ConsoleActor, RequestOrigin } from '../../flows/console/audit.ts';
import { checkSessionAccess, findLiveSession } from '../../flows/console/sessions.ts';
import type { LiveSession } from '../../store/console/sessions.ts';

export type ConsoleRouteAccess = 'public' | { permission: ConsolePermission };

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession: LiveSession | null;
  }
  interface FastifyContextConfig {
    console?: ConsoleRouteAccess;
  }
}

export const consoleApiPrefix = '/console/api/';
const readMethods = new Set(['GET', 'HEAD']);

export interface ConsoleRoute {
  method: string;
  url: string;
  access: ConsoleRouteAccess;
}

const registeredRoutes = new WeakMap<FastifyInstance, ConsoleRoute[]>();

/** Every console route of an app with the access it declared: what the role matrix test walks. */
export function consoleRoutesOf(app: FastifyInstance): readonly ConsoleRoute[] {
  return registeredRoutes.get(app) ?? [];
}

export function registerConsoleSession(app: FastifyInstance, options: { context: FlowContext }): void {
  app.decorateRequest('consoleSession', null);
  const routes: ConsoleRoute[] = [];
  registeredRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(consoleApiPrefix)) return;
    const access = (route.config as { console?: ConsoleRouteAccess } | undefined)?.console;
    assert(access !== undefined, `console route ${route.method} ${route.url} declares no access`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, access });
  });
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const access = request.routeOptions.config?.console;
    if (access === undefined) return;
    // Console answers hold personal data and tokens: never kept by a cache.
    void reply.header('cache-control', 'no-store');
    if (access === 'public') return;
    const token = sessionTokenFrom(request.headers.cookie);
    const session = token ? await findLiveSession(options.context, token) : null;
    if (!session) throw new PaymentError('console_session_required');
    const header = request.headers['x-csrf-token'];
    checkSessionAccess(session, access.permission, { required: !readMethods.has(request.method), given: typeof header === 'string' ? header : null });
    request.consoleSession = session;
  });
}

export function originOf(request: FastifyRequest): RequestOrigin {
  return { address: request.ip ?? null, requestId: request.id };
}

/** The signed-in member behind a console route's request; asserts the hook ran. */
export function consoleActorOf(request: FastifyRequest): ConsoleActor {
  const session = request.consoleSession;
  if (!session) throw new PaymentError('console_session_required');
  return {
    merchantId: session.member.merchant_id,
    memberId: session.member.id,
    email: session.member.email,
    role: session.member.role,
    sessionId: session.sessionId,
    ...originOf(request),
  };
}
