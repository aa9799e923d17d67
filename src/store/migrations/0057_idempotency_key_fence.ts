/**
 * The fence of a request's first write to the object its idempotency key
 * names (see store/idempotency.ts): `idempotency_key_fence(api_key_id, key,
 * locked_at, locked_by)` locks the key's row (FOR NO KEY UPDATE, until the
 * transaction ends) and answers true while the row still carries the claim
 * `locked_at`/`locked_by` wrote; otherwise it raises SQLSTATE PPI01, which
 * aborts the whole statement that called it, writes and all.
 *
 * Called from the statement that changes the object, it decides atomically
 * with a takeover (whose `insert … on conflict do update` needs the same row
 * lock): either the fence locks first, and the takeover waits and then finds
 * the key marked with the object (it answers from it, never runs again); or
 * the takeover commits first, and the fence, waiting for the lock and reading
 * the latest row (its own statement's snapshot under READ COMMITTED), finds
 * another holder and the stalled request's write never happens.
 *
 * A function because SQL alone cannot fail a statement on a condition: an
 * error is what takes every CTE of the statement back with it.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function idempotency_key_fence(p_api_key_id text, p_key text, p_locked_at timestamptz, p_locked_by text)
      returns boolean
      language plpgsql volatile
    as $fence$
    begin
      perform 1 from idempotency_keys
        where api_key_id = p_api_key_id and key = p_key and locked_at = p_locked_at and locked_by = p_locked_by
        for no key update;
      if not found then
        raise exception 'idempotency key % taken over by another request', p_key using errcode = 'PPI01';
      end if;
      return true;
    end
    $fence$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists idempotency_key_fence(text, text, timestamptz, text);`.execute(db);
}
