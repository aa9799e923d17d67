/**
 * Cancellation records and abuse of cancellation.
 *
 * - `cancellation_records`: one row per canceled payment (a cancel, an
 *   abandonment, a close), written in the statement that cancels it: what was
 *   canceled, how far the payer got, who canceled and why, the cause detected
 *   from what preceded it, and the customer as a keyed pseudonym only. No
 *   foreign key to payments: archiving moves these rows by their own
 *   `created_at`, apart from the payments.
 * - `cancellation_abuse_settings`: a merchant's limit per mode; no row means
 *   the defaults.
 * - `cancellation_abuse_flags`: a customer who canceled too often, since when,
 *   until when and why (one row per customer, renewed when flagged again).
 * - `customer_verifications`: one-time codes sent to a flagged customer
 *   before a payment may go on; only a keyed hash of the code is kept.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table cancellation_records (
      payment_id text primary key,
      merchant_id text not null,
      mode text not null,
      amount bigint not null,
      currency text not null,
      payment_method_type text,
      connector text,
      connector_account_id text,
      stage text not null check (stage in ('created', 'checkout_viewed', 'method_chosen', 'confirm_submitted', 'attempt_failed',
                                           'action_required', 'authorized')),
      reason text not null,
      comment text,
      source text not null check (source in ('payer', 'merchant', 'provider', 'system')),
      detected_cause text not null,
      customer text,
      counts_toward_abuse boolean not null,
      payment_created_at timestamptz not null,
      created_at timestamptz not null
    );
    create index cancellation_records_by_merchant on cancellation_records (merchant_id, mode, created_at desc, payment_id desc);
    create index cancellation_records_by_payment_created on cancellation_records (merchant_id, mode, payment_created_at);
    create index cancellation_records_by_customer on cancellation_records (merchant_id, mode, customer, created_at)
      where customer is not null and counts_toward_abuse;

    create table cancellation_abuse_settings (
      merchant_id text not null,
      mode text not null,
      max_cancellations_per_hour integer not null check (max_cancellations_per_hour between 1 and 1000),
      action text not null check (action in ('none', 'require_otp', 'refuse')),
      flag_duration_hours integer not null check (flag_duration_hours between 1 and 720),
      updated_at timestamptz not null,
      primary key (merchant_id, mode)
    );

    create table cancellation_abuse_flags (
      merchant_id text not null,
      mode text not null,
      customer_id text not null,
      cancellations integer not null,
      max_cancellations_per_hour integer not null,
      times_flagged integer not null default 1,
      first_flagged_at timestamptz not null,
      flagged_at timestamptz not null,
      flagged_until timestamptz not null,
      primary key (merchant_id, mode, customer_id)
    );
    create index cancellation_abuse_flags_by_merchant on cancellation_abuse_flags (merchant_id, mode, flagged_at desc, customer_id desc);

    create table customer_verifications (
      id bigint generated always as identity primary key,
      payment_id text not null,
      merchant_id text not null,
      customer_id text not null,
      code_hash bytea not null,
      channel text not null check (channel in ('sms', 'email')),
      attempts_remaining integer not null check (attempts_remaining >= 0),
      status text not null check (status in ('pending', 'verified', 'failed', 'expired')),
      expires_at timestamptz not null,
      verified_at timestamptz,
      created_at timestamptz not null
    );
    create index customer_verifications_by_payment on customer_verifications (payment_id, id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists customer_verifications;
    drop table if exists cancellation_abuse_flags;
    drop table if exists cancellation_abuse_settings;
    drop table if exists cancellation_records;
  `.execute(db);
}
