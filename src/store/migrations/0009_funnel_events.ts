/**
 * The checkout funnel: one row per step a payment's payer reached (viewed the
 * checkout, chose a method, submitted, was asked to act, succeeded, failed an
 * attempt, canceled, abandoned), with the method, the device class and the
 * language. The server writes its steps in the statement that changes the
 * payment; the checkout sends the steps only the browser sees.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table funnel_events (
      id bigint generated always as identity primary key,
      payment_id text not null references payments (id),
      merchant_id text not null,
      mode text not null,
      type text not null check (type in ('checkout_viewed', 'method_chosen', 'confirm_submitted', 'action_required',
                                         'succeeded', 'attempt_failed', 'canceled', 'abandoned')),
      payment_method_type text,
      device_class text check (device_class in ('mobile', 'desktop')),
      locale text,
      error_code text,
      reason text,
      created_at timestamptz not null
    );
    create index funnel_events_by_payment on funnel_events (payment_id, id);
    create index funnel_events_by_merchant on funnel_events (merchant_id, mode, created_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists funnel_events`.execute(db);
}
