import { describe, expect, it } from 'vitest';
import { limits } from '../domain/limits.ts';
import { ConfigError, loadConfig } from './config.ts';

describe('per-address rate limits and TRUST_PROXY', () => {
  it('defaults each per-address limit to limits.ts and trusts no proxy', () => {
    const config = loadConfig({});
    expect(config.addressRateLimits).toEqual({
      authFailuresPerMinute: limits.authFailuresPerMinuteMax,
      payerRequestsPerMinute: limits.payerRequestsPerMinuteMax,
      notificationsPerMinute: limits.providerNotificationsPerMinuteMax,
    });
    expect(config.trustProxy).toBe(false);
  });

  it('takes each limit from its variable, 0 turning it off, and refuses what is not a whole number ≥ 0', () => {
    const config = loadConfig({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '10', RATE_LIMIT_PAYER_PER_MINUTE: '0', RATE_LIMIT_NOTIFY_PER_MINUTE: '1200' });
    expect(config.addressRateLimits).toEqual({ authFailuresPerMinute: 10, payerRequestsPerMinute: 0, notificationsPerMinute: 1200 });
    expect(() => loadConfig({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ RATE_LIMIT_NOTIFY_PER_MINUTE: '2.5' })).toThrow(ConfigError);
    expect(() => loadConfig({ RATE_LIMIT_PAYER_PER_MINUTE: 'many' })).toThrow(ConfigError);
  });

  it('reads TRUST_PROXY as true, false, a hop count or a list of addresses', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7' }).trustProxy).toEqual(['10.0.0.0/8', '192.0.2.7']);
  });
});
