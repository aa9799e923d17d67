/**
 * NPS surveys by email, some days after a successful payment.
 *
 * `nps_survey_settings`: per merchant and mode, whether surveys are sent, how
 * many days after the payment succeeded, and the period within which a
 * customer gets at most one. `nps_surveys` holds one row per survey sent,
 * unique per customer and period number (the days since the epoch of the
 * moment it was queued, divided by the period), so two workers, or one run
 * twice, queue one survey. The row and its email are inserted in one
 * transaction. `nps_unsubscribes` is read in the same statement that queues.
 *
 * The survey's answer lands in `payment_feedback` (the NPS store) on its
 * payment: a payer answering by email may not have rated the checkout, so
 * the 1–5 rating becomes optional there.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table nps_survey_settings (
      merchant_id text not null,
      mode text not null,
      enabled boolean not null,
      delay_days integer not null check (delay_days between 0 and 90),
      period_days integer not null check (period_days between 1 and 366),
      updated_at timestamptz not null,
      primary key (merchant_id, mode)
    );

    create table nps_surveys (
      id text primary key,
      merchant_id text not null,
      mode text not null,
      customer_id text not null,
      payment_id text not null references payments (id),
      period_number integer not null,
      message_id text not null,
      status text not null check (status in ('sent', 'answered')),
      nps_score integer check (nps_score between 0 and 10),
      answered_at timestamptz,
      created_at timestamptz not null,
      unique (merchant_id, mode, customer_id, period_number)
    );
    create index nps_surveys_by_payment on nps_surveys (payment_id);

    create table nps_unsubscribes (
      merchant_id text not null,
      mode text not null,
      customer_id text not null,
      created_at timestamptz not null,
      primary key (merchant_id, mode, customer_id)
    );

    alter table payment_feedback alter column rating drop not null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    delete from payment_feedback where rating is null;
    alter table payment_feedback alter column rating set not null;
    drop table if exists nps_unsubscribes, nps_surveys, nps_survey_settings;
  `.execute(db);
}
