/**
 * Fraud and risk, second part (issue 18):
 *
 * - `payment_disputes`: a chargeback the card acquirer reported, with the
 *   amount disputed, once per acquirer dispute id (a duplicate notification
 *   adds nothing).
 * - `risk_settings`: one row per merchant and mode; which of a payment's
 *   values a fraud mark from the provider (early fraud warning, chargeback)
 *   adds to the blocklist. No row: the default the application applies.
 * - `risk_reviews.refund_on_reject`: a review of a payment that was paid
 *   already (Alipay, WeChat Pay, UnionPay capture at once), rejected by a full
 *   refund rather than a cancel.
 * - Idempotency-Key effects may now name a risk rule or a blocklist entry.
 *   The allowed values are read from the constraint as it stands and extended,
 *   so migrations of other capabilities that extend it too keep their values
 *   whatever order they run in. Added `not valid`, then validated, so the busy
 *   table is not locked while it is scanned.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table payment_disputes (
      id text primary key,
      payment_id text not null,
      merchant_id text not null,
      mode text not null,
      provider_dispute_id text not null,
      amount bigint not null check (amount > 0),
      currency text not null,
      reason text,
      created_at timestamptz not null,
      unique (payment_id, provider_dispute_id)
    );
    create index payment_disputes_by_merchant on payment_disputes (merchant_id, mode, created_at);

    create table risk_settings (
      merchant_id text not null,
      mode text not null,
      provider_mark_blocks jsonb not null,
      updated_at timestamptz not null,
      primary key (merchant_id, mode)
    );

    alter table risk_reviews add column refund_on_reject boolean not null default false;
  `.execute(db);
  await extendEffectTypes(db);
}

async function extendEffectTypes(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$
    declare
      allowed text[];
    begin
      set local lock_timeout = '5s';
      select coalesce(array_agg(m[1]), '{}') into allowed
        from pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') as m
       where c.conname = 'idempotency_keys_effect_object_type_check' and c.conrelid = 'idempotency_keys'::regclass;
      allowed := array(select distinct v from unnest(allowed || array['risk_rule', 'blocklist_entry']) as v order by v);
      execute 'alter table idempotency_keys drop constraint if exists idempotency_keys_effect_object_type_check, '
           || 'add constraint idempotency_keys_effect_object_type_check check (effect_object_type = any ('
           || quote_literal(allowed::text) || '::text[])) not valid';
    end $$;
    alter table idempotency_keys validate constraint idempotency_keys_effect_object_type_check;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table idempotency_keys
      drop constraint idempotency_keys_effect_object_type_check,
      add constraint idempotency_keys_effect_object_type_check check (effect_object_type in ('payment', 'refund', 'api_key', 'coupon', 'experiment')) not valid;
    alter table risk_reviews drop column if exists refund_on_reject;
    drop table if exists risk_settings;
    drop table if exists payment_disputes;
  `.execute(db);
}
