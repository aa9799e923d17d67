/**
 * Fraud and risk (issue 18): a merchant's ordered rules, every decision taken
 * at confirm with the signals it saw and the rules that fired, the queue of
 * payments held for review, the blocklist, payments marked fraudulent, and
 * the per-merchant model trained on those marks.
 *
 * A decision row also keeps the keys velocity is counted by (customer, card
 * fingerprint, device, keyed hash of the payer address), so the signals of
 * the next confirm are one indexed read of recent decisions.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table risk_rules (
      id text primary key,
      merchant_id text not null,
      mode text not null,
      name text not null,
      expression text not null,
      action text not null check (action in ('allow', 'challenge', 'review', 'block')),
      position integer not null,
      enabled boolean not null default true,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index risk_rules_by_merchant on risk_rules (merchant_id, mode, position);

    create table risk_decisions (
      id text primary key,
      payment_id text not null,
      merchant_id text not null,
      mode text not null,
      customer_id text,
      card_fingerprint text,
      device_id text,
      address_key text,
      email text,
      phone text,
      amount bigint not null,
      currency text not null,
      action text not null check (action in ('allow', 'challenge', 'review', 'block')),
      challenge_passed boolean not null default false,
      score integer,
      rules_fired jsonb not null,
      signals jsonb not null,
      latency_us integer not null,
      created_at timestamptz not null
    );
    create index risk_decisions_by_payment on risk_decisions (payment_id, created_at desc);
    create index risk_decisions_by_merchant on risk_decisions (merchant_id, mode, created_at);
    create index risk_decisions_by_customer on risk_decisions (merchant_id, mode, customer_id, created_at) where customer_id is not null;
    create index risk_decisions_by_card on risk_decisions (merchant_id, mode, card_fingerprint, created_at) where card_fingerprint is not null;
    create index risk_decisions_by_device on risk_decisions (merchant_id, mode, device_id, created_at) where device_id is not null;
    create index risk_decisions_by_address on risk_decisions (merchant_id, mode, address_key, created_at) where address_key is not null;

    create table risk_reviews (
      payment_id text primary key,
      merchant_id text not null,
      mode text not null,
      decision_id text not null,
      status text not null check (status in ('pending', 'approved', 'rejected')),
      capture_on_approve boolean not null,
      created_at timestamptz not null,
      decided_at timestamptz
    );
    create index risk_reviews_by_merchant on risk_reviews (merchant_id, mode, status, created_at);

    create table risk_blocklist_entries (
      id text primary key,
      merchant_id text not null,
      mode text not null,
      kind text not null check (kind in ('card_fingerprint', 'email', 'phone', 'address', 'customer', 'device')),
      value text not null,
      reason text,
      source_payment_id text,
      created_at timestamptz not null,
      unique (merchant_id, mode, kind, value)
    );

    create table payment_fraud_marks (
      payment_id text primary key,
      merchant_id text not null,
      mode text not null,
      source text not null check (source in ('merchant', 'early_fraud_warning', 'chargeback')),
      note text,
      created_at timestamptz not null
    );
    create index payment_fraud_marks_by_merchant on payment_fraud_marks (merchant_id, mode, created_at);

    create table risk_models (
      merchant_id text not null,
      mode text not null,
      trained_at timestamptz not null,
      samples integer not null,
      frauds integer not null,
      auc double precision,
      model jsonb not null,
      primary key (merchant_id, mode)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists risk_models, payment_fraud_marks, risk_blocklist_entries, risk_reviews, risk_decisions, risk_rules`.execute(db);
}
