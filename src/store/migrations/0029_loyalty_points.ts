/**
 * Loyalty points, on the existing double-entry ledger in their own unit.
 *
 * - The ledger takes six more account kinds, all in the currency `PTS` (a
 *   unit of points, never added to money: a ledger transaction has one
 *   currency, so every check of `ledger verify` keeps its meaning):
 *   `points_pending`, `points_available`, `points_reserved` (a customer's,
 *   never negative), `points_issued` (the merchant's source of points,
 *   negative by nature: minus the points ever issued and not taken back),
 *   `points_redeemed` and `points_expired` (never negative). And eight kinds
 *   of transactions, one per movement.
 * - `loyalty_programmes`: one programme per merchant and mode, with its earn
 *   rules, delay, expiry and redemption terms, and a version.
 * - `points_lots`: points that arrived together (earned by a payment, or
 *   given back by a refund), with when they may be spent and when they
 *   expire; what the expiry job and the maturing read.
 * - `points_payments`: per payment, the points it earned and spent, and how
 *   much of it refunds have taken so far, so a partial refund takes back its
 *   share exactly once whatever the concurrency (the row is locked by the
 *   update that advances it).
 * - `payments` keeps the points reserved or spent for it, their value, and
 *   the points it earned.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table ledger_accounts drop constraint ledger_accounts_kind_check;
    alter table ledger_accounts add constraint ledger_accounts_kind_check check (kind in (
      'customer_wallet', 'customer_hold', 'merchant_wallet', 'top_up_clearing',
      'points_pending', 'points_available', 'points_reserved', 'points_issued', 'points_redeemed', 'points_expired'));
    alter table ledger_accounts drop constraint ledger_accounts_customer_kinds;
    alter table ledger_accounts add constraint ledger_accounts_customer_kinds check ((customer_id is not null) = (kind in (
      'customer_wallet', 'customer_hold', 'points_pending', 'points_available', 'points_reserved')));
    alter table ledger_transactions drop constraint ledger_transactions_kind_check;
    alter table ledger_transactions add constraint ledger_transactions_kind_check check (kind in (
      'top_up', 'payment', 'hold', 'capture', 'release', 'refund', 'top_up_refund', 'top_up_refund_reversal',
      'points_earn', 'points_mature', 'points_reserve', 'points_release', 'points_redeem', 'points_reverse',
      'points_return', 'points_expire'));

    alter table payments
      add column points_redeemed bigint not null default 0 check (points_redeemed >= 0),
      add column points_value bigint not null default 0 check (points_value >= 0),
      add column points_earned bigint not null default 0 check (points_earned >= 0);

    create table loyalty_programmes (
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      enabled boolean not null,
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      terms jsonb not null,
      version integer not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (merchant_id, mode)
    );

    create table points_lots (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      customer_id text not null references customers (id),
      kind text not null check (kind in ('earned', 'returned')),
      payment_id text references payments (id),
      refund_id text references refunds (id),
      points bigint not null check (points > 0),
      reversed bigint not null default 0 check (reversed >= 0 and reversed <= points),
      available_at timestamptz not null,
      expires_at timestamptz not null,
      matured_at timestamptz,
      expiry_settled boolean not null default false,
      created_at timestamptz not null
    );
    create unique index points_lots_one_earned_per_payment on points_lots (payment_id) where kind = 'earned';
    create unique index points_lots_one_returned_per_refund on points_lots (refund_id) where kind = 'returned';
    create index points_lots_to_mature on points_lots (available_at) where matured_at is null;
    create index points_lots_to_expire on points_lots (expires_at) where not expiry_settled;
    create index points_lots_by_customer on points_lots (customer_id, expires_at, id);

    create table points_payments (
      payment_id text primary key references payments (id),
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      customer_id text not null references customers (id),
      earned bigint not null check (earned >= 0),
      spent bigint not null check (spent >= 0),
      amount_basis bigint not null check (amount_basis > 0),
      amount_refunded bigint not null default 0 check (amount_refunded >= 0 and amount_refunded <= amount_basis),
      created_at timestamptz not null
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists points_payments, points_lots, loyalty_programmes;
    alter table payments drop column if exists points_redeemed, drop column if exists points_value, drop column if exists points_earned;
  `.execute(db);
}
