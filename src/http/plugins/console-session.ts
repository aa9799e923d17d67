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
import { sessionIdempotencyScope, sessionModeHeader, sessionRouteOf } from '../../domain/console/session-routes.ts';
import { sessionTokenFrom } from '../../domain/console/session-cookie.ts';
import { PaymentError } from '../../domain/errors.ts';
import type { FlowContext } from '../../flows/context.ts';
import type { ConsoleActor, RequestOrigin } from '../../flows/console/audit.ts';
import { checkSessionAccess, findLiveSession } from '../../flows/console/sessions.ts';
import type { LiveSession } from '../../store/console/sessions.ts';
import type { AuthenticatedKey } from '../../store/merchants.ts';
import type { SessionAuthenticator } from './auth.ts';

/** `permission`: the one the route needs, or a list of which any one will do. */
export type ConsoleRouteAccess = 'public' | { permission: ConsolePermission | readonly [ConsolePermission, ...ConsolePermission[]] };

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession: LiveSession | null;
  }
  interface FastifyContextConfig {
    console?: ConsoleRouteAccess;
    /**
     * The route takes an Idempotency-Key as /v1 does (plugins/idempotency.ts),
     * kept per member and the `mode` of its query: a refund retried after a
     * lost answer is answered, not made twice.
     */
    consoleIdempotency?: boolean;
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
    if (request.routeOptions.config?.consoleIdempotency) {
      // The query's schema refuses any other mode before the key is claimed.
      const mode = (request.query as { mode?: unknown } | undefined)?.mode === 'test' ? 'test' : 'live';
      request.auth = { keyId: sessionIdempotencyScope(session.member.id, mode), merchantId: session.member.merchant_id, kind: 'secret', mode, expiresAtMs: null };
    }
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

/**
 * A console session calling a /v1 route with its cookie: allowed only on the
 * routes of domain/console/session-routes.ts, with a permission the role
 * has, the CSRF token on writes, and `Paypilot-Mode` picking live (the
 * default) or test data. The route then sees a secret key's caller whose
 * id (the Idempotency-Key scope and rate-limit bucket) is the member's and
 * the mode's. Null without a cookie: the API key rules apply.
 */
export function consoleSessionAuthenticator(context: FlowContext): SessionAuthenticator {
  return async (request: FastifyRequest): Promise<AuthenticatedKey | null> => {
    const token = sessionTokenFrom(request.headers.cookie);
    if (!token) return null;
    const route = sessionRouteOf(request.method === 'HEAD' ? 'GET' : request.method, request.routeOptions.url ?? '');
    if (!route) throw new PaymentError('console_route_unavailable');
    const modeHeader = request.headers[sessionModeHeader];
    const mode = modeHeader === undefined ? 'live' : modeHeader;
    if (mode !== 'live' && mode !== 'test') throw new PaymentError('parameter_invalid', { param: 'Paypilot-Mode', details: { reason: 'live or test' } });
    const session = await findLiveSession(context, token);
    if (!session) throw new PaymentError('console_session_required');
    const csrf = request.headers['x-csrf-token'];
    checkSessionAccess(session, route.permissions, { required: !readMethods.has(request.method), given: typeof csrf === 'string' ? csrf : null });
    request.consoleSession = session;
    return { keyId: sessionIdempotencyScope(session.member.id, mode), merchantId: session.member.merchant_id, kind: 'secret', mode, expiresAtMs: null };
  };
}
