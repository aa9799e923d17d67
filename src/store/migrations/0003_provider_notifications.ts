/**
 * Notifications from providers, stored once per provider id after their
 * signature was verified, then applied by the worker.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table provider_notifications (
      id text primary key,
      connector_account_id text not null references connector_accounts (id),
      provider_notification_id text not null,
      order_number text not null,
      verdict jsonb not null,
      received_at timestamptz not null,
      applied_at timestamptz,
      outcome text,
      unique (connector_account_id, provider_notification_id)
    );
    create index payment_attempts_by_channel_order on payment_attempts (provider_idempotency_key)
      where connector <> 'card';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists provider_notifications; drop index if exists payment_attempts_by_channel_order;`.execute(db);
}
