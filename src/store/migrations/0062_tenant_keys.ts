/**
 * Issue 19 item 5, the path to Citus: the keys of the tenant tables gain
 * `merchant_id`, every foreign key between tenant tables becomes
 * (…_id, merchant_id) → (id, merchant_id), and the fifteen child tables of
 * migration 0058 get `merchant_id not null`. Afterwards a row is found by
 * (…, merchant_id), which is what Citus needs to place it on its merchant's
 * shard, and a child row can no longer name a parent of another merchant.
 *
 * - **Not null on the fifteen children.** 0058's backfill job (the previous
 *   release) filled their old rows, and 0058's `before insert` trigger fills
 *   the previous version's inserts; the two kinds of row the backfill could
 *   not fill (no parent to read from) are settled here: a console request's
 *   idempotency key gets its member's merchant, a watch row of an archived
 *   payment is forgotten. It refuses to run, naming the table, while a row
 *   still reads null (deploy again once the previous release's worker has
 *   finished: `tenant_key_backfills` shows where it stands).
 * - **Keys**, each dropped and re-made under its own name in this one
 *   transaction, merchant_id last, so a lookup by the old columns alone still
 *   uses the key's index.
 * - **Except the twenty keys the previous version names in `on conflict (…)`**
 *   (an upsert's target must be a unique key with exactly those columns). They
 *   stay as they are for one release. A second key beside each, with
 *   merchant_id, would not do: an upsert racing another on a new row fails on
 *   the unique key that is not its target instead of finding the other's row.
 *   This version names them by constraint (`on conflict on constraint …`) or
 *   not at all (`on conflict do nothing`), which holds whatever their columns;
 *   so the next release re-makes each under the same name, in place, as this
 *   migration does the others, and neither version notices.
 * - **The database functions** that named a re-made key's columns in
 *   `on conflict` (the analytics fold and the events queue trigger) are
 *   rewritten to name it by constraint or not at all, by text replacement of
 *   the function as 0046/0061 left it, failing if the text is not found.
 *
 * Locks: each table is locked while its keys are rebuilt (index builds scale
 * with its rows); `lock_timeout` makes a deploy wait and fail rather than
 * stall payments.
 *
 * @contract: expanded by 0058_tenant_child_merchant_ids; its backfill (the previous release's worker) filled every old row, and
 * 0058's trigger fills the previous version's inserts, so `set not null` takes nothing from a version still serving. Each key
 * dropped is re-made with merchant_id in the same transaction, and none of them is named by the previous version.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

/** The child tables 0058 gave a nullable merchant_id. */
const childTables = [
  'console_recovery_codes', 'console_tokens', 'coupon_code_tries', 'coupon_customer_holds', 'experiment_exposures',
  'support_messages', 'support_request_events', 'idempotency_keys', 'ledger_entries', 'payment_expiry_retries',
  'payment_expiry_watch', 'provider_notifications', 'reconciliation_mismatches', 'wallet_pins', 'webhook_delivery_attempts',
];

/** Each tenant table's primary key without merchant_id, re-made as (columns, merchant_id). Not here, left for the next release: the primary keys of
 * cancellation_records, comment_analyses, connector_account_breakers, coupon_code_tries, coupon_customer_holds, experiment_exposures, idempotency_keys,
 * payment_expiry_retries, payment_feedback, payment_fraud_marks, risk_reviews and wallet_pins, which the previous version names in `on conflict`. */
const primaryKeys: [table: string, columns: string][] = [
  ['after_sales_requests', 'id'],
  ['alert_rules', 'id'],
  ['alerts', 'id'],
  ['analytics_changes', 'id'],
  ['analytics_payment_facts', 'payment_id'],
  ['api_keys', 'id'],
  ['api_request_log', 'seq'],
  ['archived_cancellation_records', 'payment_id'],
  ['archived_funnel_events', 'id'],
  ['archived_payment_events', 'id'],
  ['connector_accounts', 'id'],
  ['connector_incidents', 'id'],
  ['console_members', 'id'],
  ['console_recovery_codes', 'member_id, code_hash'],
  ['console_sessions', 'id'],
  ['console_tokens', 'token_hash'],
  ['coupon_redemptions', 'id'],
  ['coupons', 'id'],
  ['customer_verifications', 'id'],
  ['customers', 'id'],
  ['event_stream_outbox', 'sequence'],
  ['events', 'id'],
  ['experiments', 'id'],
  ['faq_entries', 'id'],
  ['faq_searches', 'id'],
  ['fulfillment_events', 'id'],
  ['funnel_events', 'id'],
  ['late_payment_refunds', 'id'],
  ['ledger_accounts', 'id'],
  ['ledger_entries', 'id'],
  ['ledger_transactions', 'id'],
  ['messages', 'id'],
  ['nps_surveys', 'id'],
  ['payment_attempts', 'id'],
  ['payment_disputes', 'id'],
  ['payment_events', 'id'],
  ['payments', 'id'],
  ['points_lots', 'id'],
  ['points_payments', 'payment_id'],
  ['provider_notifications', 'id'],
  ['reconciliation_mismatches', 'id'],
  ['refunds', 'id'],
  ['risk_blocklist_entries', 'id'],
  ['risk_decisions', 'id'],
  ['risk_rules', 'id'],
  ['support_messages', 'id'],
  ['support_request_events', 'id'],
  ['support_requests', 'id'],
  ['webhook_deliveries', 'id'],
  ['webhook_delivery_attempts', 'id'],
  ['webhook_endpoints', 'id'],
];

/** Unique keys without merchant_id, re-made under the same name with merchant_id. Not here, left for the next release: alerts_one_open_per_rule,
 * connector_incidents_one_open_circuit, late_payment_refunds_attempt_id_key, messages_dedupe_key_key, payment_disputes_payment_id_provider_dispute_id_key,
 * provider_notifications_connector_account_id_provider_notifi_key, reconciliation_mismatches_connector_account_id_statement_da_key and
 * webhook_deliveries_endpoint_id_event_id_key, which the previous version names in `on conflict`. */
const uniqueKeys: [table: string, index: string, columns: string, where: string, isConstraint: boolean][] = [
  ['api_keys', 'api_keys_key_hash_key', 'key_hash', "", true],
  ['audit_log', 'audit_log_id_key', 'id', "", true],
  ['connector_incidents', 'connector_incidents_by_alert', 'alert_id', "(alert_id IS NOT NULL)", false],
  ['console_sessions', 'console_sessions_token_hash_key', 'token_hash', "", true],
  ['coupon_redemptions', 'coupon_redemptions_one_held_per_payment', 'payment_id', "(status = ANY (ARRAY['reserved'::text, 'consumed'::text]))", false],
  ['event_stream_outbox', 'event_stream_outbox_event_id_key', 'event_id', "", true],
  ['ledger_transactions', 'ledger_transactions_idempotency_key_key', 'idempotency_key', "", true],
  ['points_lots', 'points_lots_one_earned_per_payment', 'payment_id', "(kind = 'earned'::text)", false],
  ['points_lots', 'points_lots_one_returned_per_refund', 'refund_id', "(kind = 'returned'::text)", false],
];

/** Foreign keys between tenant tables (each to the parent's id), re-made as (columns, merchant_id) → (id, merchant_id). */
const foreignKeys: [table: string, name: string, columns: string, parent: string, cascade: boolean][] = [
  ['api_keys', 'api_keys_replaced_by_fkey', 'replaced_by', 'api_keys', false],
  ['payments', 'payments_coupon_id_fkey', 'coupon_id', 'coupons', false],
  ['payments', 'payments_customer_id_fkey', 'customer_id', 'customers', false],
  ['payment_attempts', 'payment_attempts_connector_account_id_fkey', 'connector_account_id', 'connector_accounts', false],
  ['payment_attempts', 'payment_attempts_payment_id_fkey', 'payment_id', 'payments', false],
  ['payment_events', 'payment_events_payment_id_fkey', 'payment_id', 'payments', false],
  ['refunds', 'refunds_payment_id_fkey', 'payment_id', 'payments', false],
  ['provider_notifications', 'provider_notifications_connector_account_id_fkey', 'connector_account_id', 'connector_accounts', false],
  ['reconciliation_mismatches', 'reconciliation_mismatches_connector_account_id_fkey', 'connector_account_id', 'connector_accounts', false],
  ['ledger_accounts', 'ledger_accounts_customer_id_fkey', 'customer_id', 'customers', false],
  ['ledger_transactions', 'ledger_transactions_customer_id_fkey', 'customer_id', 'customers', false],
  ['ledger_transactions', 'ledger_transactions_payment_id_fkey', 'payment_id', 'payments', false],
  ['ledger_transactions', 'ledger_transactions_refund_id_fkey', 'refund_id', 'refunds', false],
  ['ledger_entries', 'ledger_entries_account_id_fkey', 'account_id', 'ledger_accounts', false],
  ['ledger_entries', 'ledger_entries_transaction_id_fkey', 'transaction_id', 'ledger_transactions', false],
  ['wallet_pins', 'wallet_pins_customer_id_fkey', 'customer_id', 'customers', false],
  ['webhook_deliveries', 'webhook_deliveries_endpoint_id_fkey', 'endpoint_id', 'webhook_endpoints', false],
  ['webhook_deliveries', 'webhook_deliveries_event_id_fkey', 'event_id', 'events', false],
  ['webhook_delivery_attempts', 'webhook_delivery_attempts_delivery_id_fkey', 'delivery_id', 'webhook_deliveries', false],
  ['messages', 'messages_customer_id_fkey', 'customer_id', 'customers', false],
  ['messages', 'messages_event_id_fkey', 'event_id', 'events', false],
  ['messages', 'messages_payment_id_fkey', 'payment_id', 'payments', false],
  ['payment_feedback', 'payment_feedback_payment_id_fkey', 'payment_id', 'payments', false],
  ['fulfillment_events', 'fulfillment_events_payment_id_fkey', 'payment_id', 'payments', false],
  ['after_sales_requests', 'after_sales_requests_payment_id_fkey', 'payment_id', 'payments', false],
  ['after_sales_requests', 'after_sales_requests_refund_id_fkey', 'refund_id', 'refunds', false],
  ['late_payment_refunds', 'late_payment_refunds_attempt_id_fkey', 'attempt_id', 'payment_attempts', false],
  ['late_payment_refunds', 'late_payment_refunds_connector_account_id_fkey', 'connector_account_id', 'connector_accounts', false],
  ['late_payment_refunds', 'late_payment_refunds_payment_id_fkey', 'payment_id', 'payments', false],
  ['funnel_events', 'funnel_events_payment_id_fkey', 'payment_id', 'payments', false],
  ['alert_rules', 'alert_rules_connector_account_id_fkey', 'connector_account_id', 'connector_accounts', false],
  ['alerts', 'alerts_rule_id_fkey', 'rule_id', 'alert_rules', false],
  ['connector_incidents', 'connector_incidents_alert_id_fkey', 'alert_id', 'alerts', false],
  ['connector_incidents', 'connector_incidents_connector_account_id_fkey', 'connector_account_id', 'connector_accounts', false],
  ['console_recovery_codes', 'console_recovery_codes_member_id_fkey', 'member_id', 'console_members', false],
  ['console_sessions', 'console_sessions_member_id_fkey', 'member_id', 'console_members', false],
  ['console_tokens', 'console_tokens_member_id_fkey', 'member_id', 'console_members', false],
  ['payment_expiry_retries', 'payment_expiry_retries_payment_id_fkey', 'payment_id', 'payments', true],
  ['coupon_customer_holds', 'coupon_customer_holds_coupon_id_fkey', 'coupon_id', 'coupons', false],
  ['coupon_customer_holds', 'coupon_customer_holds_customer_id_fkey', 'customer_id', 'customers', false],
  ['coupon_redemptions', 'coupon_redemptions_coupon_id_fkey', 'coupon_id', 'coupons', false],
  ['coupon_redemptions', 'coupon_redemptions_customer_id_fkey', 'customer_id', 'customers', false],
  ['coupon_redemptions', 'coupon_redemptions_payment_id_fkey', 'payment_id', 'payments', false],
  ['coupon_code_tries', 'coupon_code_tries_payment_id_fkey', 'payment_id', 'payments', false],
  ['points_lots', 'points_lots_customer_id_fkey', 'customer_id', 'customers', false],
  ['points_lots', 'points_lots_payment_id_fkey', 'payment_id', 'payments', false],
  ['points_lots', 'points_lots_refund_id_fkey', 'refund_id', 'refunds', false],
  ['points_payments', 'points_payments_customer_id_fkey', 'customer_id', 'customers', false],
  ['points_payments', 'points_payments_payment_id_fkey', 'payment_id', 'payments', false],
  ['connector_account_breakers', 'connector_account_breakers_account_id_fkey', 'account_id', 'connector_accounts', true],
  ['experiment_exposures', 'experiment_exposures_experiment_id_fkey', 'experiment_id', 'experiments', false],
  ['support_requests', 'support_requests_payment_id_fkey', 'payment_id', 'payments', false],
  ['support_messages', 'support_messages_request_id_fkey', 'request_id', 'support_requests', false],
  ['support_request_events', 'support_request_events_request_id_fkey', 'request_id', 'support_requests', false],
  ['nps_surveys', 'nps_surveys_payment_id_fkey', 'payment_id', 'payments', false],
];

/** The functions whose `on conflict` named a key's columns: the text 0046/0061 wrote, and what it becomes (a key by its name, or any key). */
const functionRewrites: [fn: string, from: string, to: string][] = [
  ['analytics_refresh_facts(text[])', 'on conflict (payment_id) do update', 'on conflict on constraint analytics_payment_facts_pkey do update'],
  ['analytics_fold(text, integer)', 'on conflict (payment_id) do nothing', 'on conflict do nothing'],
  ['events_queue()', 'on conflict (event_id) do nothing', 'on conflict do nothing'],
  ['events_queue()', 'on conflict (endpoint_id, event_id) do nothing', 'on conflict do nothing'],
];

const ident = (name: string) => sql.id(name);
const columns = (list: string) => sql.raw(list);

/** Drops each key of the lists and makes it again under its name: with merchant_id last (`up`), or as it was (`down`). */
async function remakeKeys(db: Kysely<unknown>, withMerchant: boolean): Promise<void> {
  const keyOf = (list: string) => (withMerchant ? sql.raw(`${list}, merchant_id`) : columns(list));
  for (const [table, keyColumns] of primaryKeys) {
    await sql`alter table ${ident(table)} drop constraint ${ident(`${table}_pkey`)}`.execute(db);
    await sql`alter table ${ident(table)} add constraint ${ident(`${table}_pkey`)} primary key (${keyOf(keyColumns)})`.execute(db);
  }
  for (const [table, index, keyColumns, where, isConstraint] of uniqueKeys) {
    if (isConstraint) {
      await sql`alter table ${ident(table)} drop constraint ${ident(index)}`.execute(db);
      await sql`alter table ${ident(table)} add constraint ${ident(index)} unique (${keyOf(keyColumns)})`.execute(db);
    } else {
      await sql`drop index ${ident(index)}`.execute(db);
      const predicate = where ? sql` where ${sql.raw(where)}` : sql``;
      await sql`create unique index ${ident(index)} on ${ident(table)} (${keyOf(keyColumns)})${predicate}`.execute(db);
    }
  }
}

/** Adds the foreign keys of the list (dropped before): paired with merchant_id (`up`), or by id alone as they were (`down`). */
async function addForeignKeys(db: Kysely<unknown>, withMerchant: boolean): Promise<void> {
  for (const [table, name, column, parent, cascade] of foreignKeys) {
    const child = withMerchant ? sql`${ident(column)}, merchant_id` : ident(column);
    const key = withMerchant ? sql`id, merchant_id` : sql`id`;
    await sql`alter table ${ident(table)} add constraint ${ident(name)} foreign key (${child})
      references ${ident(parent)} (${key})${cascade ? sql` on delete cascade` : sql``}`.execute(db);
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`set local lock_timeout = '10s'`.execute(db);
  // The two kinds of row 0058's backfill left null, having no parent row to read the merchant from: idempotency keys of
  // console requests (api_key_id `session:<member>:<mode>`) get their member's merchant; expiry-watch rows of payments
  // gone (archived) are forgotten, as the expiry sweep forgets them.
  await sql`update idempotency_keys k set merchant_id = m.merchant_id from console_members m
             where k.merchant_id is null and k.api_key_id like 'session:%' and m.id = split_part(k.api_key_id, ':', 2)`.execute(db);
  await sql`delete from payment_expiry_watch w where w.merchant_id is null and not exists (select 1 from payments p where p.id = w.payment_id)`.execute(db);
  for (const table of childTables) {
    const open = await sql<{ open: boolean }>`select exists (select 1 from ${ident(table)} where merchant_id is null) as open`.execute(db);
    if (open.rows[0]?.open) {
      throw new Error(`${table} still has rows without merchant_id: let the previous release's worker finish backfill_tenant_keys (tenant_key_backfills shows its progress), then deploy again`);
    }
    await sql`alter table ${ident(table)} alter column merchant_id set not null`.execute(db);
  }
  for (const [table, name] of foreignKeys) await sql`alter table ${ident(table)} drop constraint ${ident(name)}`.execute(db);
  await remakeKeys(db, true);
  await addForeignKeys(db, true);
  for (const [fn, from, to] of functionRewrites) {
    const result = await sql<{ definition: string }>`select pg_get_functiondef(${fn}::regprocedure) as definition`.execute(db);
    const definition = result.rows[0]?.definition ?? '';
    if (!definition.includes(from)) throw new Error(`${fn}: expected "${from}" in its definition`);
    await sql.raw(definition.replace(from, to)).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [fn, from, to] of functionRewrites) {
    const result = await sql<{ definition: string }>`select pg_get_functiondef(${fn}::regprocedure) as definition`.execute(db);
    await sql.raw((result.rows[0]?.definition ?? '').replace(to, from)).execute(db);
  }
  for (const [table, name] of foreignKeys) await sql`alter table ${ident(table)} drop constraint ${ident(name)}`.execute(db);
  await remakeKeys(db, false);
  await addForeignKeys(db, false);
  for (const table of childTables) await sql`alter table ${ident(table)} alter column merchant_id drop not null`.execute(db);
}
