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
 *
 * Many API processes (issue 19): a claim records the process that holds it
 * (`locked_by`, see store/api-nodes.ts). A retry of the same request takes
 * an in-progress key over at once when its holder has stopped beating, and
 * after `staleBefore` whatever the holder (keys claimed before migration 0056
 * have no holder). A takeover cannot tell a dead holder from one only stalled
 * (a long pause, a partition from the database), so every later write of the
 * request to its key is fenced: it applies only while `locked_at` and
 * `locked_by` still say what its own claim wrote (`HeldIdempotencyKey`). A
 * holder that wakes after a takeover changes nothing of the key, and learns it.
 *
 * The effect write itself is fenced too (migration 0057): the statement that
 * first changes the request's object (every statement built with `effectCte`,
 * `markIdempotencyEffect` in a transaction) calls `idempotency_key_fence`,
 * which locks the key's row and fails the whole statement (SQLSTATE PPI01,
 * `isIdempotencyFenceLost`) unless the key still carries this request's
 * claim. A takeover needs the same row lock, so the two are ordered: the
 * fence first, and the takeover waits and then finds the key marked with the
 * object (it answers `recover`, never runs the request again); the takeover
 * first, and the stalled request's write never happens (it answers 409).
 * Once a fenced statement has changed the object, the key is marked with it
 * and later statements of the request are not fenced: a takeover would only
 * answer from that object. The card fast path needs no fence: its claim
 * rides in its first write (`claimRidesWith`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type RawBuilder } from 'kysely';
import { AssertionError } from '../domain/assert.ts';
import { reusablePlan, withReusablePlan, type Db } from './database.ts';

export interface IdempotencyKeyRef {
  /** The API key's merchant: every statement on the key names it too (issue 19 item 5), beside its primary key. */
  merchantId: string;
  apiKeyId: string;
  key: string;
}

/** A key as this request's claim wrote it: the request writes to it only while the key still says so. */
export interface HeldIdempotencyKey extends IdempotencyKeyRef {
  /** The claim's `locked_at` (its `now`) and `locked_by` (its process): a takeover changes one of them. */
  lockedAt: Date;
  lockedBy: string;
}

export type EffectObjectType = 'payment' | 'refund' | 'api_key' | 'coupon' | 'experiment' | 'risk_rule' | 'blocklist_entry';

/**
 * The key of the request being handled, if it has one. `pending` holds the
 * claim while it is deferred to the flow's first write; null once claimed.
 */
export interface KeyedRequest extends HeldIdempotencyKey {
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

export function runUnderIdempotencyKey<T>(ref: HeldIdempotencyKey, work: () => T): T {
  return requestKey.run({ merchantId: ref.merchantId, apiKeyId: ref.apiKeyId, key: ref.key, lockedAt: ref.lockedAt, lockedBy: ref.lockedBy, pending: null }, work);
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
 * Fenced: a key taken over by another request is left as it is.
 */
export function effectCte(objectType: EffectObjectType, objectId: RawBuilder<unknown>, fromCte: string | null): RawBuilder<unknown> | null {
  const ref = requestKey.getStore();
  if (!ref) return null;
  if (ref.pending) throw new AssertionError('a keyed write was reached before its deferred idempotency claim');
  // Only the first object is kept: once it is, the update below would change nothing.
  if (ref.effectMarked) return null;
  // The fence is an uncorrelated sub-select: PostgreSQL evaluates it once, as a one-time filter above the
  // update's scan, whatever the rows of `fromCte`, and so on every execution of this (always executed) CTE.
  return sql`
    idempotency_effect as (
      update idempotency_keys
         set effect_object_type = ${objectType}, effect_object_id = ${objectId}
        ${fromCte ? sql`from ${sql.table(fromCte)}` : sql``}
       where (select idempotency_key_fence(${ref.merchantId}::text, ${ref.apiKeyId}::text, ${ref.key}::text, ${ref.lockedAt.toISOString()}::timestamptz, ${ref.lockedBy}::text))
         and idempotency_keys.merchant_id = ${ref.merchantId} and api_key_id = ${ref.apiKeyId} and key = ${ref.key}
         and status = 'in_progress' and effect_object_id is null
         and ${fenced(ref)}
      returning 1
    )`;
}

/**
 * The failure of a statement fenced by `effectCte` whose key another request
 * took over (migration 0057): nothing of the statement was written, and the
 * request must stop and answer 409 idempotency_key_in_use.
 */
export function isIdempotencyFenceLost(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'PPI01';
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
      insert into idempotency_keys (api_key_id, key, request_method, request_path, request_hash, status, locked_at, locked_by,
                                    created_at, effect_object_type, effect_object_id, merchant_id)
      select ${claim.apiKeyId}, ${claim.key}, ${claim.method}, ${claim.path}, ${claim.requestHash}, 'in_progress',
             ${claim.now}::timestamptz, ${claim.nodeId}::text, ${claim.now}::timestamptz, ${objectType}, ${objectId}, ${claim.merchantId}::text
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
  if (!keyed) return (await build().execute(db)).rows;
  if (!keyed.pending) {
    // Fenced by `effectCte`: once it has changed something, the key is marked with it, and later statements need no fence.
    const rows = (await build().execute(db)).rows;
    if (changed(rows)) keyed.effectMarked = true;
    return rows;
  }
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
 * commits the mark with the change. Nothing outside a keyed request. Fenced as
 * `effectCte` is: it fails (`isIdempotencyFenceLost`), taking the transaction's
 * change back, when the key was taken over; otherwise the key's row stays
 * locked until the transaction ends, so a takeover waits and then finds the mark.
 */
export async function markIdempotencyEffect(db: Db, objectType: EffectObjectType, objectId: string): Promise<void> {
  const effect = effectCte(objectType, sql`${objectId}`, null);
  if (effect) await sql`with ${effect} select 1`.execute(db);
}

/** The condition that the key is still held by the claim `held` describes (its table named `idempotency_keys`). */
function fenced(held: HeldIdempotencyKey): RawBuilder<unknown> {
  return sql`idempotency_keys.locked_at = ${held.lockedAt.toISOString()}::timestamptz and idempotency_keys.locked_by = ${held.lockedBy}::text`;
}

function isClaimConflict(error: unknown): boolean {
  const failure = error as { code?: unknown; constraint?: unknown } | null;
  return failure?.code === '23505' && failure.constraint === 'idempotency_keys_pkey';
}

export interface IdempotencyClaim {
  apiKeyId: string;
  /** The caller's merchant, written with the key (migration 0058). */
  merchantId: string;
  key: string;
  method: string;
  path: string;
  requestHash: Buffer;
  now: Date;
  /** The claiming process (`api_nodes.node_id`), written as `locked_by`. */
  nodeId: string;
  /** An in-progress claim older than this is taken over: its request died without an answer. */
  staleBefore: Date;
  /** An in-progress claim whose process has not beaten for this long (by the database's clock) is taken over at once. */
  holderDeadAfterMs: number;
}

/** The key as the claim `claim` writes it, once claimed. */
export function heldBy(claim: IdempotencyClaim): HeldIdempotencyKey {
  return { merchantId: claim.merchantId, apiKeyId: claim.apiKeyId, key: claim.key, lockedAt: claim.now, lockedBy: claim.nodeId };
}

export type ClaimResult =
  | { kind: 'claimed' }
  /** A request under this key died after changing this object: answer from it, never run the request again. */
  | { kind: 'recover'; objectType: EffectObjectType; objectId: string }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export async function claimIdempotencyKey(db: Db, claim: IdempotencyClaim, round = 0): Promise<ClaimResult> {
  // Insert, or take over an in-progress claim for the very same request whose process is dead (its heartbeat
  // too old, or its row gone) or that is older than the stale window; otherwise read what is there. A process
  // never takes over its own claim by the heartbeat rule: it is alive, as it is asking. A takeover answers the
  // object the dead request changed, if it changed one.
  // Two retries at once cannot both take over: `on conflict do update` locks the row and, under READ COMMITTED,
  // evaluates the `where` on its latest version; the second finds the first one's process (alive) and `now`.
  const claimed = await sql<{ effect_object_type: EffectObjectType | null; effect_object_id: string | null }>`
    insert into idempotency_keys (api_key_id, key, request_method, request_path, request_hash, status, locked_at, locked_by, created_at,
                                  merchant_id)
    values (${claim.apiKeyId}, ${claim.key}, ${claim.method}, ${claim.path}, ${claim.requestHash}, 'in_progress', ${claim.now},
            ${claim.nodeId}, ${claim.now}, ${claim.merchantId})
    on conflict on constraint idempotency_keys_pkey do update set locked_at = excluded.locked_at, locked_by = excluded.locked_by
     where idempotency_keys.status = 'in_progress'
       and idempotency_keys.request_hash = excluded.request_hash
       and idempotency_keys.request_path = excluded.request_path
       and (idempotency_keys.locked_at < ${claim.staleBefore}
            or (idempotency_keys.locked_by <> excluded.locked_by
                and not exists (select from api_nodes
                                 where api_nodes.node_id = idempotency_keys.locked_by
                                   and api_nodes.heartbeat_at >= now() - make_interval(secs => ${claim.holderDeadAfterMs / 1000}))))
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
      .where('merchant_id', '=', claim.merchantId)
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

/**
 * Stores the answer of the request that holds `held`. False when the key was
 * taken over meanwhile (this request's process was taken for dead): nothing
 * is written, and the answer stored is the other request's.
 */
export async function completeIdempotencyKey(
  db: Db,
  held: HeldIdempotencyKey,
  response: { status: number; body: string },
): Promise<boolean> {
  const result = await withReusablePlan(
    db
      .updateTable('idempotency_keys')
      .set({ status: 'complete', response_status: response.status, response_body: response.body })
      .where('merchant_id', '=', held.merchantId)
      .where('api_key_id', '=', held.apiKeyId)
      .where('key', '=', held.key)
      .where('locked_at', '=', held.lockedAt)
      .where('locked_by', '=', held.lockedBy),
  ).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Completes keys in groups (group commit): a completion sent while none is
 * on its way goes at once, alone; those that arrive meanwhile wait for it and
 * then go together, up to `batchMax`, in one statement. Each caller still
 * waits until its own key is complete, so an answer never leaves before its
 * key is stored; under load one statement completes many keys.
 */
export interface KeyCompleter {
  /** False when the key was taken over meanwhile, as `completeIdempotencyKey`. */
  complete(held: HeldIdempotencyKey, response: { status: number; body: string }): Promise<boolean>;
}

export function createKeyCompleter(db: Db, batchMax: number): KeyCompleter {
  interface Waiting {
    ref: HeldIdempotencyKey;
    response: { status: number; body: string };
    resolve: (stored: boolean) => void;
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
        if (batch.length === 1 && only) only.resolve(await completeIdempotencyKey(db, only.ref, only.response));
        else {
          // Fenced as one key alone is: the rows it returns (by their place in the batch) are the keys still held.
          const stored = await sql<{ place: string }>`
          update idempotency_keys k
             set status = 'complete', response_status = v.status, response_body = v.body
            from unnest(${batch.map((w) => w.ref.merchantId)}::text[], ${batch.map((w) => w.ref.apiKeyId)}::text[], ${batch.map((w) => w.ref.key)}::text[],
                        ${batch.map((w) => w.ref.lockedAt.toISOString())}::timestamptz[], ${batch.map((w) => w.ref.lockedBy)}::text[],
                        ${batch.map((w) => w.response.status)}::int[], ${batch.map((w) => w.response.body)}::text[])
                 with ordinality as v(merchant_id, api_key_id, key, locked_at, locked_by, status, body, place)
           where k.merchant_id = v.merchant_id and k.api_key_id = v.api_key_id and k.key = v.key
             and k.locked_at = v.locked_at and k.locked_by = v.locked_by
          returning v.place
          ${reusablePlan}`.execute(db);
          const storedPlaces = new Set(stored.rows.map((row) => Number(row.place)));
          for (const [index, waiting] of batch.entries()) waiting.resolve(storedPlaces.has(index + 1));
        }
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    sending = false;
  };

  return {
    complete(ref, response) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ ref, response, resolve, reject });
        if (!sending) void send();
      });
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lets a request that was refused before it began (validation) leave its key unused; a key taken over meanwhile is left. */
export async function releaseIdempotencyKey(db: Db, held: HeldIdempotencyKey): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('merchant_id', '=', held.merchantId)
    .where('api_key_id', '=', held.apiKeyId)
    .where('key', '=', held.key)
    .where('status', '=', 'in_progress')
    .where('locked_at', '=', held.lockedAt)
    .where('locked_by', '=', held.lockedBy)
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
