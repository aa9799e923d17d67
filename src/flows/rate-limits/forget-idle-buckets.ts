/**
 * Shared rate-limit buckets of keys and addresses no longer heard from: each
 * is full again long before `rateLimitBucketIdleMs`, so deleting it changes
 * no decision. Bounded per run; safe with several workers at once.
 */
import { limits } from '../../domain/limits.ts';
import { forgetIdleBuckets } from '../../store/rate-limits.ts';
import type { FlowContext } from '../context.ts';

export async function forgetIdleRateLimitBuckets(context: Pick<FlowContext, 'db' | 'clock'>): Promise<number> {
  const idleSince = new Date(context.clock.nowMs() - limits.rateLimitBucketIdleMs);
  let forgotten = 0;
  for (let round = 0; round < 10; round += 1) {
    const deleted = await forgetIdleBuckets(context.db, idleSince, 10_000);
    forgotten += deleted;
    if (deleted < 10_000) break;
  }
  return forgotten;
}
