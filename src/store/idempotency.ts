/**
 * Idempotency keys, by Stripe's rules: the first request with a key claims
 * it; its status and body are kept once it has begun to execute and are
 * replayed for the same key; a different request under the same key, or one
 * sent while the first is still running, is refused.
 *
 * A route may let its flow claim the key with its first write instead of
 * beforehand (`runWithDeferredClaim`): the claim then rides in that write's
 * statement (`claimRidesWith`), so the payment moves and its key is claimed
 * and marked with it in one round trip, or neither happens. What the flow
 * does before that write must only read; a flow about to do anything else
 * claims first (`claimDeferredKey`). A key already there makes the riding
 * statement fail on the key's primary key, and then the key is claimed the
 * usual way (`claimIdempotencyKey`), which answers what is there.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type RawBuilder } from 'kysely';
import { AssertionError } from '../domain/assert.ts';
import { reusablePlan, withReusablePlan, type Db } from './database.ts';

export interface IdempotencyKeyRef {
  apiKeyId: string;
  key: string;
}

export type EffectObjectType = 'payment' | 'refund' | 'api_key' | 'coupon' | 'experiment' | 'risk_rule' | 'blocklist_entry';

/**
 * The key of the request being handled, if it has one. `pending` holds the
 * claim while it is deferred to the flow's first write; null once claimed.
 */
export interface KeyedRequest extends IdempotencyKeyRef {
  pending: IdempotencyClaim | null;
  /**
   * True once a statement of this request has committed the key's claim already marked with its
   * object: the key then keeps that object, and later statements need not try to mark it.
   */
  effectMarked?: boolean;
}

/**
 * Statements that create or move a payment or a refund read it to record,
 * in the same statement, which object the key's request changed (see `effectCte`).
 */
const requestKey = new AsyncLocalStorage<KeyedRequest>();

export function runUnderIdempotencyKey<T>(ref: IdempotencyKeyRef, work: () => T): T {
  return requestKey.run({ apiKeyId: ref.apiKeyId, key: ref.key, pending: null }, work);
}

/** Runs a handler whose key is not claimed yet: its flow's first write claims it (see the file's comment). */
export function runWithDeferredClaim<T>(keyed: KeyedRequest, work: () => T): T {
  return requestKey.run(keyed, work);
}

/** Thrown where a deferred claim finds the key taken: the request must not go on, and is answered from the key. */
export class IdempotencyKeyTaken extends Error {
  override name = 'IdempotencyKeyTaken';
  readonly claim: Exclude<ClaimResult, { kind: 'claimed' }>;
  constructor(claim: Exclude<ClaimResult, { kind: 'claimed' }>) {
    super(`idempotency key taken: ${claim.kind}`);
    this.claim = claim;
  }
}

/**
 * Claims the current request's deferred key now, as it would have been
 * claimed before the handler: for a flow about to do something that cannot
 * carry the claim (a write of another kind, a provider call). Nothing when
 * the key is claimed already or the request has none.
 */
export async function claimDeferredKey(db: Db): Promise<void> {
  const keyed = requestKey.getStore();
  if (!keyed?.pending) return;
  const result = await claimIdempotencyKey(db, keyed.pending);
  if (result.kind !== 'claimed') throw new IdempotencyKeyTaken(result);
  keyed.pending = null;
}

/**
 * A CTE (named `idempotency_effect`) that marks the current request's key
 * with the object it changed, or null outside a keyed request. Only the
 * first object is kept: a refund that also moves its payment stays a refund.
 * `objectId` is SQL naming the object (a column of an earlier CTE, or a value).
 * Not for a request whose claim is deferred: those statements use `claimRidesWith`.
 */
export function effectCte(objectType: EffectObjectType, objectId: RawBuilder<unknown>, fromCte: string | null): RawBuilder<unknown> | null {
  const ref = requestKey.getStore();
  if (!ref) return null;
  if (ref.pending) throw new AssertionError('a keyed write was reached before its deferred idempotency claim');
  // Only the first object is kept: once it is, the update below would change nothing.
  if (ref.effectMarked) return null;
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
 * The CTE (named `idempotency_effect`) of a statement that may carry the
 * current request's deferred claim: the claim itself, marked with the object,
 * inserted for each row of `fromCte` (one row: the change happened), or
 * `effectCte` when the key is claimed already. The key being there already
 * fails the whole statement (`isClaimConflict`); `executeClaiming` handles that.
 */
export function claimRidesWith(objectType: EffectObjectType, objectId: RawBuilder<unknown>, fromCte: string): RawBuilder<unknown> | null {
  const keyed = requestKey.getStore();
  const claim = keyed?.pending;
  if (!claim) return effectCte(objectType, objectId, fromCte);
  return sql`
    idempotency_effect as (
      insert into idempotency_keys (api_key_id, key, request_method, request_path, request_hash, status, locked_at, created_at,
                                    effect_object_type, effect_object_id)
      select ${claim.apiKeyId}, ${claim.key}, ${claim.method}, ${claim.path}, ${claim.requestHash}, 'in_progress',
             ${claim.now}::timestamptz, ${claim.now}::timestamptz, ${objectType}, ${objectId}
        from ${sql.table(fromCte)}
      returning 1
    )`;
}

/**
 * Runs a statement built by `build` that may carry the deferred claim
 * (`claimRidesWith` from `fromCte`): answers its result and whether its
 * change happened (`changed(result)`), in which case the claim is taken. A key
 * already there: the key is claimed the usual way, which either throws
 * `IdempotencyKeyTaken` (nothing was written) or claims a key whose request
 * died having changed nothing, and the statement runs again under it.
 */
export async function executeClaiming<T>(db: Db, build: () => RawBuilder<T>, changed: (rows: T[]) => boolean): Promise<T[]> {
  const keyed = requestKey.getStore();
  if (!keyed?.pending) return (await build().execute(db)).rows;
  try {
    const rows = (await build().execute(db)).rows;
    if (changed(rows)) {
      keyed.pending = null;
      keyed.effectMarked = true;
    }
    return rows;
  } catch (error) {
    if (!isClaimConflict(error)) throw error;
  }
  await claimDeferredKey(db);
  return (await build().execute(db)).rows;
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

function isClaimConflict(error: unknown): boolean {
  const failure = error as { code?: unknown; constraint?: unknown } | null;
  return failure?.code === '23505' && failure.constraint === 'idempotency_keys_pkey';
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
    ${reusablePlan}
  `.execute(db);
  const row = claimed.rows[0];
  if (row) {
    if (row.effect_object_type && row.effect_object_id) return { kind: 'recover', objectType: row.effect_object_type, objectId: row.effect_object_id };
    return { kind: 'claimed' };
  }
  const existing = await withReusablePlan(
    db
      .selectFrom('idempotency_keys')
      .select(['request_method', 'request_path', 'request_hash', 'status', 'response_status', 'response_body'])
      .where('api_key_id', '=', claim.apiKeyId)
      .where('key', '=', claim.key),
  ).executeTakeFirst();
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
  await withReusablePlan(
    db
      .updateTable('idempotency_keys')
      .set({ status: 'complete', response_status: response.status, response_body: response.body })
      .where('api_key_id', '=', ref.apiKeyId)
      .where('key', '=', ref.key),
  ).execute();
}

/**
 * Completes keys in groups (group commit): a completion sent while none is
 * on its way goes at once, alone; those that arrive meanwhile wait for it and
 * then go together, up to `batchMax`, in one statement. Each caller still
 * waits until its own key is complete, so an answer never leaves before its
 * key is stored; under load one statement completes many keys.
 */
export interface KeyCompleter {
  complete(ref: IdempotencyKeyRef, response: { status: number; body: string }): Promise<void>;
}

export function createKeyCompleter(db: Db, batchMax: number): KeyCompleter {
  interface Waiting {
    ref: IdempotencyKeyRef;
    response: { status: number; body: string };
    resolve: () => void;
    reject: (error: unknown) => void;
  }
  const queue: Waiting[] = [];
  let sending = false;

  const send = async (): Promise<void> => {
    sending = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, batchMax);
      // Rows always locked in one order: two processes' groups cannot deadlock.
      batch.sort((a, b) => (a.ref.apiKeyId === b.ref.apiKeyId ? compare(a.ref.key, b.ref.key) : compare(a.ref.apiKeyId, b.ref.apiKeyId)));
      try {
        // One key alone goes by its primary key, a statement PostgreSQL plans once per connection; a group's
        // array of keys is planned at each execution (a generic plan cannot know the array's length).
        const [only] = batch;
        if (batch.length === 1 && only) await completeIdempotencyKey(db, only.ref, only.response);
        else
          await sql`
          update idempotency_keys k
             set status = 'complete', response_status = v.status, response_body = v.body
            from unnest(${batch.map((w) => w.ref.apiKeyId)}::text[], ${batch.map((w) => w.ref.key)}::text[],
                        ${batch.map((w) => w.response.status)}::int[], ${batch.map((w) => w.response.body)}::text[])
                 as v(api_key_id, key, status, body)
           where k.api_key_id = v.api_key_id and k.key = v.key
          ${reusablePlan}`.execute(db);
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    sending = false;
  };

  return {
    complete(ref, response) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ ref, response, resolve, reject });
        if (!sending) void send();
      });
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
