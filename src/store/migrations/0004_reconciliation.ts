/**
 * What reconciliation against a provider's statement found: one row per
 * mismatch, kept once per account, day, kind and order (or refund).
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table reconciliation_mismatches (
      id text primary key,
      connector_account_id text not null references connector_accounts (id),
      statement_date date not null,
      kind text not null check (kind in ('missing_here', 'missing_there', 'amount_differs', 'status_differs')),
      order_number text not null,
      refund_number text not null default '',
      our_amount bigint,
      their_amount bigint,
      our_status text,
      repaired boolean not null default false,
      note text,
      created_at timestamptz not null,
      unique (connector_account_id, statement_date, kind, order_number, refund_number)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists reconciliation_mismatches`.execute(db);
}
