/**
 * A/B experiments on the hosted checkout, and the merchant's checkout
 * setting that a winning variant can become.
 *
 * `experiments.variants` is the JSON list of variants as the application
 * wrote it (key, name, share in basis points, presentation overrides); it
 * never changes once created, so a payer's deterministic assignment never
 * moves. At most one experiment per merchant and mode runs at a time (the
 * partial unique index), so two experiments never split the same payers.
 *
 * `experiment_exposures`: one row per experiment, payment and payer, the
 * first time that payer saw that payment's checkout in the variant. Written
 * in the statement that records the `checkout_viewed` funnel event, so an
 * exposure never exists without its step (or the reverse).
 *
 * `checkout_settings`: one row per merchant and mode, the presentation the
 * checkout uses outside experiments; written by a stop that promotes a
 * variant, in the statement that stops the experiment.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table experiments (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null,
      name text not null,
      status text not null check (status in ('draft', 'running', 'stopped')),
      variants text not null,
      control_variant text not null,
      minimum_sample_per_variant integer not null check (minimum_sample_per_variant > 0),
      starts_at timestamptz,
      ends_at timestamptz,
      started_at timestamptz,
      stopped_at timestamptz,
      promoted_variant text,
      metadata jsonb not null default '{}'::jsonb,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      check (starts_at is null or ends_at is null or starts_at < ends_at),
      check ((status = 'draft') = (started_at is null)),
      check ((status = 'stopped') = (stopped_at is not null))
    );
    create index experiments_by_merchant on experiments (merchant_id, mode, id desc);
    create unique index experiments_one_running on experiments (merchant_id, mode) where status = 'running';

    create table experiment_exposures (
      experiment_id text not null references experiments (id),
      payment_id text not null,
      payer_key text not null,
      variant_key text not null,
      first_exposed_at timestamptz not null,
      primary key (experiment_id, payment_id, payer_key)
    );
    create index experiment_exposures_by_payer on experiment_exposures (experiment_id, payer_key);

    create table checkout_settings (
      merchant_id text not null references merchants (id),
      mode text not null,
      presentation text not null,
      source_experiment_id text,
      updated_at timestamptz not null,
      primary key (merchant_id, mode)
    );

    alter table idempotency_keys
      drop constraint idempotency_keys_effect_object_type_check,
      add constraint idempotency_keys_effect_object_type_check check (effect_object_type in ('payment', 'refund', 'api_key', 'coupon', 'experiment'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table idempotency_keys
      drop constraint idempotency_keys_effect_object_type_check,
      add constraint idempotency_keys_effect_object_type_check check (effect_object_type in ('payment', 'refund', 'api_key', 'coupon'));
    drop table if exists checkout_settings;
    drop table if exists experiment_exposures;
    drop table if exists experiments;
  `.execute(db);
}
