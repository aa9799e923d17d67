/**
 * API keys that can be rolled and revoked over the API: a rolled key keeps
 * working until `expires_at` (the overlap chosen at the roll) and names its
 * successor in `replaced_by`. Any change to a key's revocation or expiry —
 * through the API, the CLI or plain SQL — is announced on the
 * `paypilot_invalidation` channel, so every API process drops the key from its
 * cache at once.
 *
 * An idempotency key may also remember an API key as the object its request
 * made or changed (create, roll, revoke), so a key left in progress by a
 * crash is answered from that key rather than by making another.
 *
 * Frozen: imports no application code (the channel and payload format are
 * those of src/store/invalidation.ts, written out here).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table api_keys
      add column expires_at timestamptz,
      add column replaced_by text references api_keys (id);

    create function api_keys_invalidate() returns trigger language plpgsql as $$
    begin
      perform pg_notify('paypilot_invalidation', 'api_key:' || old.id);
      return null;
    end
    $$;

    create trigger api_keys_invalidate
      after update of revoked_at, expires_at, key_hash, kind, mode, merchant_id or delete on api_keys
      for each row execute function api_keys_invalidate();

    alter table idempotency_keys
      drop constraint idempotency_keys_effect_object_type_check,
      add constraint idempotency_keys_effect_object_type_check check (effect_object_type in ('payment', 'refund', 'api_key'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table idempotency_keys
      drop constraint idempotency_keys_effect_object_type_check,
      add constraint idempotency_keys_effect_object_type_check check (effect_object_type in ('payment', 'refund'));
    drop trigger if exists api_keys_invalidate on api_keys;
    drop function if exists api_keys_invalidate();
    alter table api_keys drop column if exists replaced_by, drop column if exists expires_at;
  `.execute(db);
}
