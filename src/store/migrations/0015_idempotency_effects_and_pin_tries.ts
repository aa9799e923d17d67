/**
 * Two guarantees that must hold whatever crashes or runs in parallel.
 *
 * An idempotency key remembers the object its request changed first (a
 * payment or a refund), written in the same statement as that change. A key
 * left `in_progress` by a crash is then answered from that object, never by
 * running the request again.
 *
 * A PIN try is reserved before the PIN is checked (`tries_in_flight`), in the
 * statement that checks the lock and the limit, so parallel guesses cannot
 * outrun the count. A reservation older than `in_flight_since` plus a minute
 * belongs to a request that died and no longer counts.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table idempotency_keys
      add column effect_object_type text check (effect_object_type in ('payment', 'refund')),
      add column effect_object_id text,
      add constraint idempotency_keys_effect_whole check ((effect_object_type is null) = (effect_object_id is null));
    alter table wallet_pins
      add column tries_in_flight integer not null default 0 check (tries_in_flight >= 0),
      add column in_flight_since timestamptz;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table idempotency_keys drop constraint if exists idempotency_keys_effect_whole,
      drop column if exists effect_object_type, drop column if exists effect_object_id;
    alter table wallet_pins drop column if exists tries_in_flight, drop column if exists in_flight_since;
  `.execute(db);
}
