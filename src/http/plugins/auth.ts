/**
 * Who is calling, and whether they are calling too often.
 *
 * `Authorization: Bearer sk_…` (secret key: the whole API)
 * or `pk_…` (publishable key: only the payer's checkout calls, each with the
 * payment's client_secret). Keys are looked up by their SHA-256 hash; a
 * small cache keeps the lookup off the hot path, so a revoked key can work
 * for at most `authCacheTtlMs` more.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PaymentError } from '../../domain/errors.ts';
import { hashApiKey, parseApiKey } from '../../domain/secrets.ts';
import type { Clock } from '../../domain/clock.ts';
import type { RateLimiter } from '../../domain/rate-limit.ts';
import type { Db } from '../../store/database.ts';
import { findActiveApiKey, type AuthenticatedKey } from '../../store/merchants.ts';

export type RouteAuth = 'secret' | 'client' | 'none';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthenticatedKey | null;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}

const authCacheTtlMs = 30_000;
const authCacheEntriesMax = 10_000;

export function registerAuth(app: FastifyInstance, options: { db: Db; clock: Clock; rateLimiter: RateLimiter | null }): void {
  const cache = new Map<string, { key: AuthenticatedKey; expiresAtMs: number }>();

  async function authenticate(token: string): Promise<AuthenticatedKey | null> {
    if (!parseApiKey(token)) return null;
    const hash = hashApiKey(token);
    const cacheKey = hash.toString('base64');
    const cached = cache.get(cacheKey);
    if (cached && cached.expiresAtMs > options.clock.nowMs()) return cached.key;
    const key = await findActiveApiKey(options.db, hash);
    if (!key) return null;
    if (cache.size >= authCacheEntriesMax) cache.delete(cache.keys().next().value as string);
    cache.set(cacheKey, { key, expiresAtMs: options.clock.nowMs() + authCacheTtlMs });
    return key;
  }

  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const required = request.routeOptions.config?.auth ?? 'none';
    if (required === 'none') return;
    const header = request.headers.authorization;
    // The scheme is case-insensitive (RFC 9110).
    const token = header && /^bearer /i.test(header) ? header.slice(7).trim() : null;
    const key = token ? await authenticate(token) : null;
    if (!key) throw new PaymentError('api_key_invalid');
    if (required === 'secret' && key.kind !== 'secret') throw new PaymentError('permission_denied');
    // A publishable key is shared by all of a merchant's payers: each payer's address gets its own bucket.
    const bucket = key.kind === 'publishable' ? `${key.keyId}:${request.ip}` : key.keyId;
    const retryAfterSeconds = options.rateLimiter?.take(bucket) ?? 0;
    if (retryAfterSeconds > 0) throw new PaymentError('rate_limited', { details: { retry_after_seconds: retryAfterSeconds } });
    request.auth = key;
  });
}

/** The caller of a route that requires a key; asserts the hook ran. */
export function callerOf(request: FastifyRequest): AuthenticatedKey {
  if (!request.auth) throw new PaymentError('api_key_invalid');
  return request.auth;
}
