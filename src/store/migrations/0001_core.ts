/**
 * The core schema: merchants and keys, customers, connector accounts,
 * payments with their attempts and immutable history, refunds, the
 * merchant-facing event log, and idempotency keys.
 *
 * Frozen: a migration never imports application code and never changes once
 * released; later changes come as new migrations.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table merchants (
      id text primary key,
      name text not null check (length(name) between 1 and 200),
      support_email text,
      created_at timestamptz not null
    );

    create table api_keys (
      id text primary key,
      merchant_id text not null references merchants (id),
      kind text not null check (kind in ('secret', 'publishable')),
      mode text not null check (mode in ('test', 'live')),
      key_hash bytea not null unique,
      key_hint text not null,
      created_at timestamptz not null,
      revoked_at timestamptz
    );
    create index api_keys_by_merchant on api_keys (merchant_id);

    create table customers (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      email text,
      phone text,
      name text,
      locale text not null default 'en',
      metadata jsonb not null default '{}',
      created_at timestamptz not null
    );
    create index customers_by_merchant on customers (merchant_id, mode, id desc);

    create table connector_accounts (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      connector text not null check (connector in ('card', 'alipay', 'wechat_pay', 'unionpay')),
      enabled boolean not null default true,
      priority integer not null default 50 check (priority between 0 and 100),
      base_url text not null,
      credentials_encrypted bytea not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index connector_accounts_by_merchant on connector_accounts (merchant_id, mode, connector);

    create table payments (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      status text not null check (status in ('requires_payment_method', 'requires_confirmation', 'requires_action',
                                             'processing', 'requires_capture', 'succeeded', 'canceled')),
      amount bigint not null check (amount between 1 and 1000000000000),
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      amount_capturable bigint not null default 0 check (amount_capturable >= 0 and amount_capturable <= amount),
      amount_received bigint not null default 0 check (amount_received >= 0 and amount_received <= amount),
      capture_method text not null check (capture_method in ('automatic', 'manual')),
      payment_method_types text[] not null,
      payment_method jsonb,
      customer_id text references customers (id),
      order_details jsonb,
      description text,
      metadata jsonb not null default '{}',
      client_secret text not null,
      return_url text,
      next_action jsonb,
      last_error jsonb,
      cancellation_reason text,
      cancellation_comment text,
      canceled_at timestamptz,
      expires_at timestamptz not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      version integer not null default 0
    );
    create index payments_by_merchant on payments (merchant_id, mode, id desc);
    create index payments_by_status on payments (merchant_id, mode, status, id desc);
    create index payments_by_customer on payments (customer_id, id desc) where customer_id is not null;
    create index payments_open_by_expiry on payments (expires_at)
      where status in ('requires_payment_method', 'requires_confirmation', 'requires_action');

    create table payment_attempts (
      id text primary key,
      payment_id text not null references payments (id),
      merchant_id text not null,
      operation text not null check (operation in ('authorize', 'capture', 'void')),
      connector text not null,
      connector_account_id text references connector_accounts (id),
      payment_method_type text not null,
      status text not null check (status in ('pending', 'requires_action', 'succeeded', 'failed', 'unknown')),
      amount bigint not null check (amount > 0),
      provider_idempotency_key text not null,
      provider_reference text,
      error_code text,
      decline_code text,
      tries integer not null default 0,
      latency_ms integer,
      started_at timestamptz not null,
      completed_at timestamptz,
      next_query_at timestamptz
    );
    create index payment_attempts_by_payment on payment_attempts (payment_id, id);
    create index payment_attempts_unresolved on payment_attempts (next_query_at)
      where status in ('pending', 'unknown');

    create table payment_events (
      id text primary key,
      payment_id text not null references payments (id),
      merchant_id text not null,
      from_status text,
      to_status text not null,
      actor text not null check (actor in ('payer', 'merchant', 'provider', 'system')),
      reason text,
      error_code text,
      decline_code text,
      attempt_id text,
      created_at timestamptz not null
    );
    create index payment_events_by_payment on payment_events (payment_id, id);

    create table refunds (
      id text primary key,
      payment_id text not null references payments (id),
      merchant_id text not null,
      mode text not null,
      amount bigint not null check (amount > 0),
      currency text not null,
      status text not null check (status in ('pending', 'succeeded', 'failed')),
      reason text,
      failure_reason text,
      provider_idempotency_key text not null,
      provider_reference text,
      next_query_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index refunds_by_payment on refunds (payment_id);
    create index refunds_by_merchant on refunds (merchant_id, mode, id desc);
    create index refunds_unresolved on refunds (next_query_at) where status = 'pending';

    create table events (
      id text primary key,
      merchant_id text not null,
      mode text not null,
      type text not null,
      object_id text not null,
      data jsonb not null,
      created_at timestamptz not null
    );
    create index events_by_merchant on events (merchant_id, mode, id desc);

    create table idempotency_keys (
      api_key_id text not null,
      key text not null,
      request_method text not null,
      request_path text not null,
      request_hash bytea not null,
      status text not null check (status in ('in_progress', 'complete')),
      response_status integer,
      response_body text,
      locked_at timestamptz not null,
      created_at timestamptz not null,
      primary key (api_key_id, key)
    );
    create index idempotency_keys_by_age on idempotency_keys (created_at);

    -- History is evidence: a payment event, once written, never changes.
    create function refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception '% rows are immutable', tg_table_name;
    end $$;
    create trigger payment_events_immutable before update or delete on payment_events
      for each row execute function refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists idempotency_keys, events, refunds, payment_events, payment_attempts, payments,
      connector_accounts, customers, api_keys, merchants cascade;
    drop function if exists refuse_change();
  `.execute(db);
}
