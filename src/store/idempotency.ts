/**
 * Idempotency keys, by Stripe's rules: the first request with a key claims
 * it; its status and body are kept once it has begun to execute and are
 * replayed for the same key; a different request under the same key, or one
 * sent while the first is still running, is refused.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.ts';

export interface IdempotencyKeyRef {
  apiKeyId: string;
  key: string;
}

export type EffectObjectType = 'payment' | 'refund' | 'api_key';

/**
 * The key of the request being handled, if it has one. Statements that
 * create or move a payment or a refund read it to record, in the same
 * statement, which object the key's request changed (see `effectCte`).
 */
const requestKey = new AsyncLocalStorage<IdempotencyKeyRef>();

export function runUnderIdempotencyKey<T>(ref: IdempotencyKeyRef, work: () => T): T {
  return requestKey.run(ref, work);
}

/**
 * A CTE (named `idempotency_effect`) that marks the current request's key
 * with the object it changed, or null outside a keyed request. Only the
 * first object is kept: a refund that also moves its payment stays a refund.
 * `objectId` is SQL naming the object (a column of an earlier CTE, or a value).
 */
export function effectCte(objectType: EffectObjectType, objectId: RawBuilder<unknown>, fromCte: string | null): RawBuilder<unknown> | null {
  const ref = requestKey.getStore();
  if (!ref) return null;
  return sql`
    idempotency_effect as (
      update idempotency_keys
         set effect_object_type = ${objectType}, effect_object_id = ${objectId}
        ${fromCte ? sql`from ${sql.table(fromCte)}` : sql``}
       where api_key_id = ${ref.apiKeyId} and key = ${ref.key} and status = 'in_progress' and effect_object_id is null
      returning 1
    )`;
}

/**
 * Marks the current request's key with the object it changed, as `effectCte`
 * does, as a statement of its own: for a change made in a transaction, which
 * commits the mark with the change. Nothing outside a keyed request.
 */
export async function markIdempotencyEffect(db: Db, objectType: EffectObjectType, objectId: string): Promise<void> {
  const effect = effectCte(objectType, sql`${objectId}`, null);
  if (effect) await sql`with ${effect} select 1`.execute(db);
}

export interface IdempotencyClaim {
  apiKeyId: string;
  key: string;
  method: string;
  path: string;
  requestHash: Buffer;
  now: Date;
  /** An in-progress claim older than this is taken over: its request died without an answer. */
  staleBefore: Date;
}

export type ClaimResult =
  | { kind: 'claimed' }
  /** A request under this key died after changing this object: answer from it, never run the request again. */
  | { kind: 'recover'; objectType: EffectObjectType; objectId: string }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export async function claimIdempotencyKey(db: Db, claim: IdempotencyClaim, round = 0): Promise<ClaimResult> {
  // Insert, or take over a stale in-progress claim for the very same request; otherwise read what is there.
  // A takeover answers the object the dead request changed, if it changed one.
  const claimed = await sql<{ effect_object_type: EffectObjectType | null; effect_object_id: string | null }>`
    insert into idempotency_keys (api_key_id, key, request_method, request_path, request_hash, status, locked_at, created_at)
    values (${claim.apiKeyId}, ${claim.key}, ${claim.method}, ${claim.path}, ${claim.requestHash}, 'in_progress', ${claim.now}, ${claim.now})
    on conflict (api_key_id, key) do update set locked_at = excluded.locked_at
     where idempotency_keys.status = 'in_progress' and idempotency_keys.locked_at < ${claim.staleBefore}
       and idempotency_keys.request_hash = excluded.request_hash
       and idempotency_keys.request_path = excluded.request_path
    returning effect_object_type, effect_object_id
  `.execute(db);
  const row = claimed.rows[0];
  if (row) {
    if (row.effect_object_type && row.effect_object_id) return { kind: 'recover', objectType: row.effect_object_type, objectId: row.effect_object_id };
    return { kind: 'claimed' };
  }
  const existing = await db
    .selectFrom('idempotency_keys')
    .select(['request_method', 'request_path', 'request_hash', 'status', 'response_status', 'response_body'])
    .where('api_key_id', '=', claim.apiKeyId)
    .where('key', '=', claim.key)
    .executeTakeFirst();
  // Deleted between the two statements (expired): claim again.
  if (!existing) return round < 2 ? claimIdempotencyKey(db, claim, round + 1) : { kind: 'in_progress' };
  const sameRequest =
    existing.request_method === claim.method &&
    existing.request_path === claim.path &&
    existing.request_hash.equals(claim.requestHash);
  if (!sameRequest) return { kind: 'mismatch' };
  if (existing.status === 'in_progress' || existing.response_status === null || existing.response_body === null) {
    return { kind: 'in_progress' };
  }
  return { kind: 'replay', status: existing.response_status, body: existing.response_body };
}

export async function completeIdempotencyKey(
  db: Db,
  ref: IdempotencyKeyRef,
  response: { status: number; body: string },
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ status: 'complete', response_status: response.status, response_body: response.body })
    .where('api_key_id', '=', ref.apiKeyId)
    .where('key', '=', ref.key)
    .execute();
}

/** Lets a request that was refused before it began (validation) leave its key unused. */
export async function releaseIdempotencyKey(db: Db, ref: IdempotencyKeyRef): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('api_key_id', '=', ref.apiKeyId)
    .where('key', '=', ref.key)
    .where('status', '=', 'in_progress')
    // A request that changed something keeps its key, whatever it answered.
    .where('effect_object_id', 'is', null)
    .execute();
}

export async function deleteExpiredIdempotencyKeys(db: Db, createdBefore: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from idempotency_keys where ctid in (
      select ctid from idempotency_keys where created_at < ${createdBefore} limit ${limit}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
