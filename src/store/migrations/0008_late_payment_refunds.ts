/**
 * Orders a payer paid at a provider after Paypilot had given up on them (the
 * payer switched method, the payment expired or succeeded another way): each
 * is refunded at the provider automatically, once, and tracked here until the
 * provider confirms.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table late_payment_refunds (
      id text primary key,
      attempt_id text not null unique references payment_attempts (id),
      payment_id text not null references payments (id),
      merchant_id text not null,
      mode text not null,
      connector_account_id text not null references connector_accounts (id),
      amount bigint not null check (amount > 0),
      currency text not null,
      status text not null check (status in ('pending', 'succeeded', 'failed')),
      provider_reference text,
      failure_reason text,
      next_query_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index late_payment_refunds_unresolved on late_payment_refunds (next_query_at) where status = 'pending';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists late_payment_refunds`.execute(db);
}
