/**
 * The keys this process has found valid, by hash, so most requests skip the
 * lookup. Trusted only while the invalidation listener listens: a key's
 * change (revoked, rolled, deleted) arrives as a notification and drops it;
 * a lost listener drops everything and the cache is bypassed until it is
 * back. Expiry is checked on every request against the injected clock, so a
 * rolled key stops at its instant without any notification.
 *
 * A lookup that started before an invalidation (or a reset) is not cached:
 * it may have read the key as it was before the change.
 */
import type { Clock } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Db } from '../../store/database.ts';
import type { InvalidationListener } from '../../store/invalidation.ts';
import { findActiveApiKey, type AuthenticatedKey } from '../../store/merchants.ts';

export interface ApiKeyCache {
  /** The key if this process holds it valid now, without a lookup; null otherwise. */
  cached(keyHash: Buffer): AuthenticatedKey | null;
  /** Looks the key up in the database (caching it when that is safe); null when it does not work now. */
  load(keyHash: Buffer): Promise<AuthenticatedKey | null>;
}

interface Entry {
  key: AuthenticatedKey;
  cachedUntilMs: number;
}

export function createApiKeyCache(options: { db: Db; clock: Clock; metrics: Metrics; invalidation: InvalidationListener | null }): ApiKeyCache {
  const { db, clock, metrics, invalidation } = options;
  const entries = new Map<string, Entry>();
  const hashesByKeyId = new Map<string, string>();
  // Bumped by every invalidation and reset: a lookup that began in an older epoch is not cached.
  let epoch = 0;

  const dropAll = () => {
    entries.clear();
    hashesByKeyId.clear();
    epoch += 1;
  };
  const drop = (keyId: string) => {
    const hash = hashesByKeyId.get(keyId);
    if (hash !== undefined) entries.delete(hash);
    hashesByKeyId.delete(keyId);
    epoch += 1;
  };
  invalidation?.subscribe('api_key', drop);
  invalidation?.onReset(dropAll);
  const trusted = () => invalidation !== null && invalidation.isListening();
  const works = (key: AuthenticatedKey, nowMs: number) => key.expiresAtMs === null || key.expiresAtMs > nowMs;

  return {
    cached(keyHash) {
      if (!trusted()) return null;
      const hash = keyHash.toString('base64');
      const entry = entries.get(hash);
      if (!entry) return null;
      const nowMs = clock.nowMs();
      if (entry.cachedUntilMs <= nowMs || !works(entry.key, nowMs)) {
        entries.delete(hash);
        hashesByKeyId.delete(entry.key.keyId);
        return null;
      }
      metrics.apiKeyCacheLookups.inc({ result: 'hit' });
      return entry.key;
    },
    async load(keyHash) {
      const startEpoch = epoch;
      const cacheable = trusted();
      metrics.apiKeyCacheLookups.inc({ result: cacheable ? 'miss' : 'bypass' });
      const key = await findActiveApiKey(db, keyHash, new Date(clock.nowMs()));
      if (!key) return null;
      if (cacheable && trusted() && epoch === startEpoch) {
        if (entries.size >= limits.apiKeyCacheEntriesMax) {
          const oldest = entries.keys().next().value as string;
          const evicted = entries.get(oldest);
          entries.delete(oldest);
          if (evicted) hashesByKeyId.delete(evicted.key.keyId);
        }
        const hash = keyHash.toString('base64');
        entries.set(hash, { key, cachedUntilMs: clock.nowMs() + limits.apiKeyCacheTtlMs });
        hashesByKeyId.set(key.keyId, hash);
      }
      return key;
    },
  };
}
