/**
 * Limits per client address for the routes that have no key to limit: the
 * payer's checkout page and order API, and provider notifications. A route
 * names its class in `config.addressLimit`; each class has buckets of its
 * own, so an address that spends one class's budget keeps the others, and
 * one address never spends another's. Failed authentication is limited in
 * auth.ts, with a limiter made here.
 *
 * With `shared`, every class's buckets are those of every API process together
 * (flows/rate-limits/shared-rate-limiter.ts): an address spread over three
 * nodes behind a load balancer gets the one limit, not three. Without it
 * (tests, a single process), each process keeps its own in memory.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../domain/clock.ts';
import { PaymentError } from '../../domain/errors.ts';
import { createPerMinuteLimiter } from '../../domain/rate-limit.ts';
import { createSharedRateLimiter } from '../../flows/rate-limits/shared-rate-limiter.ts';
import type { Db } from '../../store/database.ts';

/** A per-address limiter, in this process's memory or shared by every process. */
export interface AddressLimiter {
  take(key: string): number | Promise<number>;
  peek(key: string): number | Promise<number>;
}

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

interface LimiterOptions {
  clock: Clock;
  limits: AddressRateLimits;
  /** The database whose buckets every API process shares; absent, each process limits alone. */
  shared?: Db;
}

function limiter(options: LimiterOptions, name: string, perMinute: number): AddressLimiter | null {
  if (perMinute <= 0) return null;
  if (!options.shared) return createPerMinuteLimiter(options.clock, perMinute);
  return createSharedRateLimiter({ db: options.shared, clock: options.clock, name, ratePerSecond: perMinute / 60, burst: perMinute });
}

/** Registers the per-class hook; answers the failed-authentication limiter for auth.ts. */
export function registerAddressLimits(app: FastifyInstance, options: LimiterOptions): { authFailures: AddressLimiter | null } {
  const byClass: Record<AddressLimitClass, AddressLimiter | null> = {
    payer: limiter(options, 'address_payer', options.limits.payerRequestsPerMinute),
    provider_notification: limiter(options, 'address_notification', options.limits.notificationsPerMinute),
  };
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const limitClass = request.routeOptions.config?.addressLimit;
    const classLimiter = limitClass ? byClass[limitClass] : null;
    const retryAfterSeconds = (await classLimiter?.take(request.ip)) ?? 0;
    if (retryAfterSeconds > 0) throw new PaymentError('rate_limited', { details: { retry_after_seconds: retryAfterSeconds } });
  });
  return { authFailures: limiter(options, 'address_auth_failure', options.limits.authFailuresPerMinute) };
}
