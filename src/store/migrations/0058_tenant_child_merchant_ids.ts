/**
 * Issue 19 item 5, the path to Citus: the fifteen tables whose rows belong to
 * a row of a tenant table but carry no `merchant_id` get one. This is the
 * *expand* step of docs/migrations.md rule 3, and only that:
 *
 * - `merchant_id text`, nullable, on each (no default, so adding it rewrites
 *   nothing; no foreign key, whose check would cost every insert on the
 *   payment path a lookup: the value is copied from a parent that has one);
 * - a BEFORE INSERT trigger on each that copies the parent row's merchant
 *   when the insert leaves `merchant_id` null: the rows the previous version
 *   (still serving during a rolling deploy) writes. Its `when` clause makes
 *   it cost nothing for the new version, which writes `merchant_id` itself;
 * - `tenant_key_backfills`, where the worker's backfill (jobs:
 *   backfill_tenant_keys) keeps its progress through the rows written before
 *   this migration, table by table, and when each is done. Not tenant data,
 *   and empty here: the backfill's first run writes its rows (so a database
 *   just migrated stays empty, as a restore requires);
 * - ledger entries stay immutable except for that backfill's one change:
 *   `merchant_id` from null to the merchant of the entry's transaction, with
 *   every other column as it was.
 *
 * No backfill here: the job fills old rows in bounded batches. The next
 * release, once every table is marked done, reads by merchant_id, adds it to
 * the keys and makes it `not null` (a `check … not valid`, then validated),
 * under `@contract`.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

/** Each table, the tenant table its rows belong to, and the column naming the parent row (whose `id` it holds). */
const children: [table: string, parent: string, through: string][] = [
  ['console_recovery_codes', 'console_members', 'member_id'],
  ['console_tokens', 'console_members', 'member_id'],
  ['coupon_code_tries', 'payments', 'payment_id'],
  ['coupon_customer_holds', 'coupons', 'coupon_id'],
  ['experiment_exposures', 'experiments', 'experiment_id'],
  ['support_messages', 'support_requests', 'request_id'],
  ['support_request_events', 'support_requests', 'request_id'],
  ['idempotency_keys', 'api_keys', 'api_key_id'],
  ['ledger_entries', 'ledger_transactions', 'transaction_id'],
  ['payment_expiry_retries', 'payments', 'payment_id'],
  ['payment_expiry_watch', 'payments', 'payment_id'],
  ['provider_notifications', 'connector_accounts', 'connector_account_id'],
  ['reconciliation_mismatches', 'connector_accounts', 'connector_account_id'],
  ['wallet_pins', 'customers', 'customer_id'],
  ['webhook_delivery_attempts', 'webhook_deliveries', 'delivery_id'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  // Adding a column takes a brief access exclusive lock on each table, some of them on the payment path: a deploy
  // that cannot get one soon fails (and is retried) rather than queueing every payment behind it.
  await sql`
    set local lock_timeout = '5s';

    -- The parent is named by the trigger's arguments: its table, and the child's column holding the parent's id.
    -- A volatile function's query sees the rows its calling statement wrote before this one, so a parent inserted
    -- by an earlier CTE of the same statement (a payment and its expiry watch row, a ledger transaction and its
    -- entries) is found.
    create function fill_merchant_id_from_parent() returns trigger language plpgsql volatile as $fill$
    begin
      execute format('select merchant_id from %I where id = $1.%I', tg_argv[0], tg_argv[1])
        into new.merchant_id
        using new;
      return new;
    end
    $fill$;

    create function refuse_ledger_entry_change() returns trigger language plpgsql as $refuse$
    begin
      if tg_op = 'UPDATE' and old.merchant_id is null
         and new.merchant_id = (select t.merchant_id from ledger_transactions t where t.id = old.transaction_id)
         and to_jsonb(new) - 'merchant_id' = to_jsonb(old) - 'merchant_id' then
        return new;
      end if;
      raise exception '% rows are immutable', tg_table_name;
    end
    $refuse$;
    create or replace trigger ledger_entries_immutable before update or delete on ledger_entries
      for each row execute function refuse_ledger_entry_change();

    create table tenant_key_backfills (
      table_name text primary key,
      next_page bigint not null default 0 check (next_page >= 0),
      done_at timestamptz
    );
  `.execute(db);
  for (const [table, parent, through] of children) {
    await sql`
      alter table ${sql.table(table)} add column merchant_id text;
      create trigger ${sql.id(`${table}_merchant_id_from_parent`)} before insert on ${sql.table(table)}
        for each row when (new.merchant_id is null)
        execute function fill_merchant_id_from_parent(${sql.lit(parent)}, ${sql.lit(through)});
    `.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table] of children) {
    await sql`
      drop trigger if exists ${sql.id(`${table}_merchant_id_from_parent`)} on ${sql.table(table)};
      alter table ${sql.table(table)} drop column if exists merchant_id;
    `.execute(db);
  }
  await sql`
    create or replace trigger ledger_entries_immutable before update or delete on ledger_entries
      for each row execute function refuse_change();
    drop function if exists refuse_ledger_entry_change();
    drop table if exists tenant_key_backfills;
    drop function if exists fill_merchant_id_from_parent();
  `.execute(db);
}
