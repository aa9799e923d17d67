/**
 * Coupons: a merchant's codes that lower a payment's price, and their
 * redemptions.
 *
 * A redemption is reserved when a payment with a coupon is confirmed,
 * released when it fails, is canceled or abandoned, consumed when it
 * succeeds, and restored by a full refund. Its row is written in the
 * statement that moves the payment, so the two never disagree.
 *
 * Limits hold under any concurrency because they are counters with CHECK
 * constraints, raised in that same statement: `coupons.redemptions_held`
 * (reserved + consumed) may not pass `redemptions_max`, and a customer's
 * `coupon_customer_holds.held` may not pass its `held_max` (copied from the
 * coupon, whose limits never change). The row lock serializes the raises,
 * and the one that would pass the limit fails its whole statement, so the
 * payment does not move either.
 *
 * An idempotency key may remember a coupon as the object its request made,
 * so a key left in progress by a crash is answered from that coupon.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table coupons (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      code text not null check (code ~ '^[A-Z0-9_-]{3,40}$'),
      campaign text check (length(campaign) between 1 and 100),
      name text check (length(name) between 1 and 200),
      discount_type text not null check (discount_type in ('percentage', 'fixed_amount')),
      percent_off integer check (percent_off between 1 and 100),
      amount_off bigint check (amount_off > 0),
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      minimum_amount bigint not null default 0 check (minimum_amount >= 0),
      starts_at timestamptz,
      ends_at timestamptz,
      redemptions_max integer check (redemptions_max > 0),
      redemptions_per_customer_max integer check (redemptions_per_customer_max > 0),
      first_payment_only boolean not null default false,
      payment_method_types text[],
      stackable_with_points boolean not null default false,
      redemptions_held integer not null default 0 check (redemptions_held >= 0),
      metadata jsonb not null default '{}',
      disabled_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint coupons_discount_whole check (
        (discount_type = 'percentage' and percent_off is not null and amount_off is null)
        or (discount_type = 'fixed_amount' and amount_off is not null and percent_off is null)),
      constraint coupons_window_ordered check (starts_at is null or ends_at is null or starts_at < ends_at),
      constraint coupons_redemptions_within_max check (redemptions_max is null or redemptions_held <= redemptions_max)
    );
    create unique index coupons_code_unique on coupons (merchant_id, mode, code);
    create index coupons_by_merchant on coupons (merchant_id, mode, id desc);

    create table coupon_customer_holds (
      coupon_id text not null references coupons (id),
      customer_id text not null references customers (id),
      held integer not null check (held >= 0),
      held_max integer not null check (held_max > 0),
      primary key (coupon_id, customer_id),
      constraint coupon_customer_holds_within_max check (held <= held_max)
    );

    create table coupon_redemptions (
      id text primary key,
      coupon_id text not null references coupons (id),
      payment_id text not null references payments (id),
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      customer_id text references customers (id),
      status text not null check (status in ('reserved', 'released', 'consumed', 'restored')),
      amount_discount bigint not null check (amount_discount > 0),
      currency text not null,
      reserved_at timestamptz not null,
      released_at timestamptz,
      consumed_at timestamptz,
      restored_at timestamptz
    );
    -- A payment holds at most one redemption at a time; released and restored ones stay as history.
    create unique index coupon_redemptions_one_held_per_payment on coupon_redemptions (payment_id) where status in ('reserved', 'consumed');
    create index coupon_redemptions_by_coupon on coupon_redemptions (coupon_id, id desc);
    create index coupon_redemptions_by_merchant on coupon_redemptions (merchant_id, mode, reserved_at);

    -- The codes a payer tried on a payment, counted before each is looked up: a CHECK bounds them.
    create table coupon_code_tries (
      payment_id text primary key references payments (id),
      tries integer not null,
      tries_max integer not null,
      constraint coupon_code_tries_within_max check (tries <= tries_max)
    );

    alter table payments
      add column coupon_id text references coupons (id),
      add column coupon_code text,
      add column amount_discount bigint not null default 0 check (amount_discount >= 0),
      add constraint payments_coupon_whole check ((coupon_id is null) = (coupon_code is null) and (coupon_id is not null or amount_discount = 0));
    create index payments_by_coupon on payments (coupon_id) where coupon_id is not null;

    alter table idempotency_keys
      drop constraint idempotency_keys_effect_object_type_check,
      add constraint idempotency_keys_effect_object_type_check check (effect_object_type in ('payment', 'refund', 'api_key', 'coupon'));
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table idempotency_keys
      drop constraint idempotency_keys_effect_object_type_check,
      add constraint idempotency_keys_effect_object_type_check check (effect_object_type in ('payment', 'refund', 'api_key'));
    drop index if exists payments_by_coupon;
    alter table payments
      drop constraint if exists payments_coupon_whole,
      drop column if exists amount_discount, drop column if exists coupon_code, drop column if exists coupon_id;
    drop table if exists coupon_code_tries;
    drop table if exists coupon_redemptions;
    drop table if exists coupon_customer_holds;
    drop table if exists coupons;
  `.execute(db);
}
