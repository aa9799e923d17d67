/**
 * Who is calling, and whether they are calling too often.
 *
 * `Authorization: Bearer sk_…` (secret key: the whole API)
 * or `pk_…` (publishable key: only the payer's checkout calls, each with the
 * payment's client_secret). Keys are looked up by their SHA-256 hash, through
 * a cache that revocation and rolls invalidate at once in every process
 * (see api-key-cache.ts).
 *
 * A failed authentication counts against the client's address; an address
 * over `authFailuresPerMinuteMax` is refused before any lookup (a key this
 * process already holds valid still passes: checking it costs nothing).
 *
 * A request with no Authorization header but a console session cookie is
 * handed to `session` (plugins/console-session.ts), which answers the
 * merchant and mode the session works in, as a secret key would, or refuses.
 * A request that carries a key is the key's, whatever cookie it also sends.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PaymentError } from '../../domain/errors.ts';
import { hashApiKey, parseApiKey } from '../../domain/secrets.ts';
import type { AuthenticatedKey } from '../../store/merchants.ts';
import type { AddressLimiter } from './address-limits.ts';
import type { ApiKeyCache } from './api-key-cache.ts';

export type RouteAuth = 'secret' | 'client' | 'none';

/** The caller behind a console session cookie on a /v1 route, null without a cookie; throws the refusal. */
export type SessionAuthenticator = (request: FastifyRequest) => Promise<AuthenticatedKey | null>;

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthenticatedKey | null;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

export function registerAuth(
  app: FastifyInstance,
  options: { cache: ApiKeyCache; rateLimiter: { take(key: string): number | Promise<number> } | null; authFailureLimiter: AddressLimiter | null; session?: SessionAuthenticator },
): void {
  const { cache, authFailureLimiter } = options;

  const refuseIfOverFailures = async (address: string) => {
    const retryAfterSeconds = (await authFailureLimiter?.peek(address)) ?? 0;
    if (retryAfterSeconds > 0) throw new PaymentError('rate_limited', { details: { retry_after_seconds: retryAfterSeconds } });
  };

  async function authenticate(token: string | null, address: string): Promise<AuthenticatedKey | null> {
    const hash = token && parseApiKey(token) ? hashApiKey(token) : null;
    const cached = hash ? cache.cached(hash) : null;
    if (cached) return cached;
    await refuseIfOverFailures(address);
    return hash ? cache.load(hash) : null;
  }

  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const required = request.routeOptions.config?.auth ?? 'none';
    if (required === 'none') return;
    const header = request.headers.authorization;
    // The scheme is case-insensitive (RFC 9110).
    const token = header && /^bearer /i.test(header) ? header.slice(7).trim() : null;
    const sessionKey = header === undefined && options.session ? await options.session(request) : null;
    const key = sessionKey ?? (await authenticate(token, request.ip));
    if (!key) {
      await authFailureLimiter?.take(request.ip);
      throw new PaymentError('api_key_invalid');
    }
    if (required === 'secret' && key.kind !== 'secret') throw new PaymentError('permission_denied');
    // A publishable key is shared by all of a merchant's payers: each payer's address gets its own bucket.
    const bucket = key.kind === 'publishable' ? `${key.keyId}:${request.ip}` : key.keyId;
    const retryAfterSeconds = (await options.rateLimiter?.take(bucket)) ?? 0;
    if (retryAfterSeconds > 0) throw new PaymentError('rate_limited', { details: { retry_after_seconds: retryAfterSeconds } });
    request.auth = key;
  });
}

/** The caller of a route that requires a key; asserts the hook ran. */
export function callerOf(request: FastifyRequest): AuthenticatedKey {
  if (!request.auth) throw new PaymentError('api_key_invalid');
  return request.auth;
}
