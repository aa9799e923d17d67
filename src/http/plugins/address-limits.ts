/**
 * Limits per client address for the routes that have no key to limit: the
 * payer's checkout page and order API, and provider notifications. A route
 * names its class in `config.addressLimit`; each class has buckets of its
 * own, so an address that spends one class's budget keeps the others, and
 * one address never spends another's. Failed authentication is limited in
 * auth.ts, with a limiter made here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../domain/clock.ts';
import { PaymentError } from '../../domain/errors.ts';
import { createPerMinuteLimiter, type RateLimiter } from '../../domain/rate-limit.ts';

export type AddressLimitClass = 'payer' | 'provider_notification';

declare module 'fastify' {
  interface FastifyContextConfig {
    addressLimit?: AddressLimitClass;
  }
}

/** Requests per client address per minute, per class; 0 turns a class's limit off. */
export interface AddressRateLimits {
  authFailuresPerMinute: number;
  payerRequestsPerMinute: number;
  notificationsPerMinute: number;
}

export const addressRateLimitsOff: AddressRateLimits = { authFailuresPerMinute: 0, payerRequestsPerMinute: 0, notificationsPerMinute: 0 };

function limiter(clock: Clock, perMinute: number): RateLimiter | null {
  return perMinute > 0 ? createPerMinuteLimiter(clock, perMinute) : null;
}

/** Registers the per-class hook; answers the failed-authentication limiter for auth.ts. */
export function registerAddressLimits(app: FastifyInstance, options: { clock: Clock; limits: AddressRateLimits }): { authFailures: RateLimiter | null } {
  const byClass: Record<AddressLimitClass, RateLimiter | null> = {
    payer: limiter(options.clock, options.limits.payerRequestsPerMinute),
    provider_notification: limiter(options.clock, options.limits.notificationsPerMinute),
  };
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const limitClass = request.routeOptions.config?.addressLimit;
    const classLimiter = limitClass ? byClass[limitClass] : null;
    const retryAfterSeconds = classLimiter?.take(request.ip) ?? 0;
    if (retryAfterSeconds > 0) throw new PaymentError('rate_limited', { details: { retry_after_seconds: retryAfterSeconds } });
  });
  return { authFailures: limiter(options.clock, options.limits.authFailuresPerMinute) };
}
