/**
 * Issue 19 item 5, the last step of the tenant keys: the twenty unique keys
 * migration 0062 left as they were get `merchant_id` too, and what 0058 put
 * in place for the release before 0062 goes.
 *
 * - **The twenty keys** the release before 0062 named by their columns in
 *   `on conflict (…)`. The previous release (0062's) names them by
 *   constraint or not at all, so each is dropped and re-made under its own
 *   name with merchant_id last, in this one transaction, and neither version
 *   notices; a lookup by the old columns alone still uses the key's index.
 * - **0058's fill triggers** on the fifteen child tables, and their function:
 *   they filled `merchant_id` for inserts of the release before 0062. The
 *   previous release writes it on every insert, and the column is `not null`
 *   since 0062, so they have nothing left to do but cost each insert its
 *   `when` check. Ledger entries are immutable again without exception (the
 *   backfill's one change is over), through the `refuse_change()` they had
 *   before 0058.
 * - **`tenant_key_backfills`**, where that backfill kept its progress: the
 *   previous release reads it nowhere.
 * - **The idempotency fence names the merchant**:
 *   `idempotency_key_fence(merchant_id, api_key_id, key, locked_at, locked_by)`
 *   beside 0057's four-argument one, which the previous release still calls
 *   while it serves (drop it in the next release). Under Citus a locking read
 *   must reach one shard, so it must name the distribution column.
 *
 * Locks: each table is locked while its key is rebuilt; `lock_timeout` makes
 * a deploy wait and fail rather than stall payments.
 *
 * @contract: the keys re-made are named by the previous release by constraint or not at all (the tenant-key walk checks the
 * source for column targets); the triggers dropped fill only inserts that leave merchant_id out, which the previous release
 * never makes; tenant_key_backfills is read by no code of the previous release; the four-argument fence stays.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

/** The keys: table, name, columns without merchant_id, and how the key is made (a constraint, or a unique index with its predicate). */
const keys: [table: string, name: string, columns: string, kind: 'primary key' | 'unique' | 'index', where: string][] = [
  ['alerts', 'alerts_one_open_per_rule', 'rule_id', 'index', "state = 'triggered'::text"],
  ['cancellation_records', 'cancellation_records_pkey', 'payment_id', 'primary key', ''],
  ['comment_analyses', 'comment_analyses_pkey', 'source, source_id', 'primary key', ''],
  ['connector_account_breakers', 'connector_account_breakers_pkey', 'account_id', 'primary key', ''],
  ['connector_incidents', 'connector_incidents_one_open_circuit', 'connector_account_id', 'index', "kind = 'circuit_open'::text and ended_at is null"],
  ['coupon_code_tries', 'coupon_code_tries_pkey', 'payment_id', 'primary key', ''],
  ['coupon_customer_holds', 'coupon_customer_holds_pkey', 'coupon_id, customer_id', 'primary key', ''],
  ['experiment_exposures', 'experiment_exposures_pkey', 'experiment_id, payment_id, payer_key', 'primary key', ''],
  ['idempotency_keys', 'idempotency_keys_pkey', 'api_key_id, key', 'primary key', ''],
  ['late_payment_refunds', 'late_payment_refunds_attempt_id_key', 'attempt_id', 'unique', ''],
  ['messages', 'messages_dedupe_key_key', 'dedupe_key', 'unique', ''],
  ['payment_disputes', 'payment_disputes_payment_id_provider_dispute_id_key', 'payment_id, provider_dispute_id', 'unique', ''],
  ['payment_expiry_retries', 'payment_expiry_retries_pkey', 'payment_id', 'primary key', ''],
  ['payment_feedback', 'payment_feedback_pkey', 'payment_id', 'primary key', ''],
  ['payment_fraud_marks', 'payment_fraud_marks_pkey', 'payment_id', 'primary key', ''],
  ['provider_notifications', 'provider_notifications_connector_account_id_provider_notifi_key', 'connector_account_id, provider_notification_id', 'unique', ''],
  ['reconciliation_mismatches', 'reconciliation_mismatches_connector_account_id_statement_da_key', 'connector_account_id, statement_date, kind, order_number, refund_number', 'unique', ''],
  ['risk_reviews', 'risk_reviews_pkey', 'payment_id', 'primary key', ''],
  ['wallet_pins', 'wallet_pins_pkey', 'customer_id', 'primary key', ''],
  ['webhook_deliveries', 'webhook_deliveries_endpoint_id_event_id_key', 'endpoint_id, event_id', 'unique', ''],
];

/** 0058's children: table, the tenant table its rows belong to, and the column holding the parent's id. */
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

/** Drops each key of the list and makes it again under its name: with merchant_id last (`up`), or as it was (`down`). */
async function remakeKeys(db: Kysely<unknown>, withMerchant: boolean): Promise<void> {
  for (const [table, name, keyColumns, kind, where] of keys) {
    const list = sql.raw(withMerchant ? `${keyColumns}, merchant_id` : keyColumns);
    if (kind === 'index') {
      await sql`drop index ${sql.id(name)}`.execute(db);
      await sql`create unique index ${sql.id(name)} on ${sql.table(table)} (${list}) where ${sql.raw(where)}`.execute(db);
    } else {
      await sql`alter table ${sql.table(table)} drop constraint ${sql.id(name)}`.execute(db);
      await sql`alter table ${sql.table(table)} add constraint ${sql.id(name)} ${sql.raw(kind)} (${list})`.execute(db);
    }
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`set local lock_timeout = '10s'`.execute(db);
  await remakeKeys(db, true);
  for (const [table] of children) await sql`drop trigger ${sql.id(`${table}_merchant_id_from_parent`)} on ${sql.table(table)}`.execute(db);
  await sql`
    drop function fill_merchant_id_from_parent();
    create or replace trigger ledger_entries_immutable before update or delete on ledger_entries
      for each row execute function refuse_change();
    drop function refuse_ledger_entry_change();
    drop table tenant_key_backfills;

    -- As 0057's, by the key's whole unique key (merchant_id, which the api key or console member determines, last).
    create function idempotency_key_fence(p_merchant_id text, p_api_key_id text, p_key text, p_locked_at timestamptz, p_locked_by text)
      returns boolean
      language plpgsql volatile
    as $fence$
    begin
      perform 1 from idempotency_keys
        where api_key_id = p_api_key_id and key = p_key and merchant_id = p_merchant_id
          and locked_at = p_locked_at and locked_by = p_locked_by
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
  await sql`
    drop function idempotency_key_fence(text, text, text, timestamptz, text);
    create table tenant_key_backfills (
      table_name text primary key,
      next_page bigint not null default 0 check (next_page >= 0),
      done_at timestamptz
    );
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
    create function fill_merchant_id_from_parent() returns trigger language plpgsql volatile as $fill$
    begin
      execute format('select merchant_id from %I where id = $1.%I', tg_argv[0], tg_argv[1])
        into new.merchant_id
        using new;
      return new;
    end
    $fill$;
  `.execute(db);
  for (const [table, parent, through] of children) {
    await sql`
      create trigger ${sql.id(`${table}_merchant_id_from_parent`)} before insert on ${sql.table(table)}
        for each row when (new.merchant_id is null)
        execute function fill_merchant_id_from_parent(${sql.lit(parent)}, ${sql.lit(through)})`.execute(db);
  }
  await remakeKeys(db, false);
}
