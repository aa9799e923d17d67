/**
 * The stored-value wallet on a double-entry ledger.
 *
 * - `ledger_accounts` hold a balance each, kept in step with their entries in
 *   the same statement that writes them, so a balance is read in constant time.
 *   Accounts a payer owns (wallet, holds) may never go negative: a CHECK makes
 *   the database refuse it, whatever the concurrency.
 * - `ledger_transactions` are the movements; `ledger_entries` their legs, with
 *   signed amounts. A deferred constraint trigger refuses any transaction whose
 *   entries do not sum to zero. Both are immutable, like payment history.
 * - `wallet_pins` keep each customer's payment PIN as a slow salted hash, with
 *   the count of wrong tries and the lock.
 * - `payments.purpose` marks the payments that top a wallet up.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table payments add column purpose text not null default 'payment'
      check (purpose in ('payment', 'wallet_top_up'));

    create table ledger_accounts (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      currency text not null check (currency ~ '^[A-Z]{3}$'),
      kind text not null check (kind in ('customer_wallet', 'customer_hold', 'merchant_wallet', 'top_up_clearing')),
      customer_id text references customers (id),
      non_negative boolean not null,
      balance bigint not null default 0,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      constraint ledger_accounts_balance_non_negative check (not non_negative or balance >= 0),
      constraint ledger_accounts_customer_kinds check ((customer_id is not null) = (kind in ('customer_wallet', 'customer_hold'))),
      constraint ledger_accounts_one_per_purpose unique nulls not distinct (merchant_id, mode, kind, currency, customer_id)
    );
    create index ledger_accounts_by_customer on ledger_accounts (customer_id) where customer_id is not null;

    create table ledger_transactions (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null,
      currency text not null,
      kind text not null check (kind in ('top_up', 'payment', 'hold', 'capture', 'release', 'refund',
                                         'top_up_refund', 'top_up_refund_reversal')),
      customer_id text references customers (id),
      payment_id text references payments (id),
      refund_id text references refunds (id),
      idempotency_key text not null unique,
      created_at timestamptz not null
    );
    create index ledger_transactions_by_customer on ledger_transactions (customer_id, id desc);
    create index ledger_transactions_by_payment on ledger_transactions (payment_id) where payment_id is not null;

    create table ledger_entries (
      id bigint generated always as identity primary key,
      transaction_id text not null references ledger_transactions (id),
      account_id text not null references ledger_accounts (id),
      amount bigint not null check (amount <> 0 and abs(amount) <= 1000000000000),
      balance_after bigint not null,
      created_at timestamptz not null
    );
    create index ledger_entries_by_account on ledger_entries (account_id, id);
    create index ledger_entries_by_transaction on ledger_entries (transaction_id);

    create function ledger_transaction_balanced() returns trigger language plpgsql as $$
    declare
      total numeric;
    begin
      select sum(amount) into total from ledger_entries where transaction_id = new.transaction_id;
      if total <> 0 then
        raise exception 'ledger transaction % does not balance (sum %)', new.transaction_id, total
          using errcode = '23514', constraint = 'ledger_transaction_balanced';
      end if;
      return null;
    end $$;
    create constraint trigger ledger_entries_balanced after insert on ledger_entries
      deferrable initially deferred for each row execute function ledger_transaction_balanced();

    create trigger ledger_entries_immutable before update or delete on ledger_entries
      for each row execute function refuse_change();
    create trigger ledger_transactions_immutable before update or delete on ledger_transactions
      for each row execute function refuse_change();

    create table wallet_pins (
      customer_id text primary key references customers (id),
      pin_hash text not null,
      failed_attempts integer not null default 0 check (failed_attempts >= 0),
      locked_until timestamptz,
      updated_at timestamptz not null
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists wallet_pins, ledger_entries, ledger_transactions, ledger_accounts;
    drop function if exists ledger_transaction_balanced();
    alter table payments drop column if exists purpose;
  `.execute(db);
}
