/**
 * Kept customer segmentations (migration 0034): one row per (merchant, mode,
 * question key), replaced in one statement and only by a newer computation,
 * so a refresh that dies leaves the previous row and of two refreshes at
 * once the one computed later stays. Refreshes in the background are
 * graphile-worker jobs (`refresh_customer_segments`), one queued per question
 * by its job key.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './scope.ts';

export interface KeptSegmentation {
  computedAt: Date;
  rangeFrom: Date;
  rangeTo: Date;
  /** The answer without its members, as written by the flow. */
  answer: string;
  /** The members (one per customer), only when asked for. */
  members: string | null;
}

export async function keptSegmentation(db: Db, scope: Scope, key: string, withMembers: boolean): Promise<KeptSegmentation | null> {
  const members = withMembers ? sql`members` : sql`null::text`;
  const result = await sql<{ computed_at: Date; range_from: Date; range_to: Date; answer: string; members: string | null }>`
    select computed_at, range_from, range_to, answer, ${members} as members
      from customer_segment_results
     where merchant_id = ${scope.merchantId} and mode = ${scope.mode} and key = ${key}
  `.execute(db);
  const row = result.rows[0];
  if (!row) return null;
  return { computedAt: row.computed_at, rangeFrom: row.range_from, rangeTo: row.range_to, answer: row.answer, members: row.members };
}

/** Keeps a computation unless a newer one is already kept. True when this one was kept. */
export async function keepSegmentation(db: Db, scope: Scope, key: string, kept: KeptSegmentation & { members: string }): Promise<boolean> {
  const result = await sql`
    insert into customer_segment_results (merchant_id, mode, key, computed_at, range_from, range_to, answer, members)
    values (${scope.merchantId}, ${scope.mode}, ${key}, ${kept.computedAt}, ${kept.rangeFrom}, ${kept.rangeTo}, ${kept.answer}, ${kept.members})
    on conflict (merchant_id, mode, key) do update
       set computed_at = excluded.computed_at, range_from = excluded.range_from, range_to = excluded.range_to,
           answer = excluded.answer, members = excluded.members
     where customer_segment_results.computed_at <= excluded.computed_at
  `.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** Queues a background refresh of one question; a refresh already queued for it (not yet running) is kept as it is. */
export async function queueSegmentationRefresh(db: Db, scope: Scope, key: string, payload: Record<string, unknown>): Promise<void> {
  await sql`
    select graphile_worker.add_job('refresh_customer_segments', ${JSON.stringify(payload)}::json,
             job_key => ${`customer_segments:${scope.merchantId}:${scope.mode}:${key}`}, job_key_mode => 'preserve_run_at', max_attempts => 3)
  `.execute(db);
}
