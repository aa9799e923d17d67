/**
 * Any change to a connector account — through the API, the CLI or plain SQL —
 * is announced on the `paypilot_invalidation` channel as
 * `connector_account:<merchant>:<mode>`, so every API process drops what it
 * holds of that merchant's enabled accounts (src/store/connector-accounts.ts)
 * when, and only if, the change commits.
 *
 * Frozen: imports no application code (the channel and payload format are
 * those of src/store/invalidation.ts, written out here).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function connector_accounts_invalidate() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'INSERT' then
        perform pg_notify('paypilot_invalidation', 'connector_account:' || old.merchant_id || ':' || old.mode);
      end if;
      if tg_op <> 'DELETE' and (tg_op = 'INSERT' or new.merchant_id <> old.merchant_id or new.mode <> old.mode) then
        perform pg_notify('paypilot_invalidation', 'connector_account:' || new.merchant_id || ':' || new.mode);
      end if;
      return null;
    end
    $$;

    create trigger connector_accounts_invalidate
      after insert or update or delete on connector_accounts
      for each row execute function connector_accounts_invalidate();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger if exists connector_accounts_invalidate on connector_accounts;
    drop function if exists connector_accounts_invalidate();
  `.execute(db);
}
