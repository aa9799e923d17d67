/**
 * Archive tables: where `paypilot archive` moves payment events, funnel
 * events and cancellation records older than a date, so the live tables stay
 * small. Each has the live table's columns in the same order (so rows move
 * with `insert … select *`), its defaults, checks and indexes (its primary
 * key keeps a row from being archived twice), and no foreign keys (the
 * payment a row belongs to may itself be archived one day). A later
 * migration that adds a column to a live table adds it here too.
 *
 * History stays evidence: payment events still refuse every UPDATE, and
 * every DELETE except the archive's, which runs under the transaction-local
 * setting `paypilot.archiving = 'on'` and moves the row in the same
 * statement. Archived payment events refuse any change at all.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table archived_payment_events (like payment_events including defaults including constraints including indexes);
    create table archived_funnel_events (like funnel_events including defaults including constraints including indexes);
    create table archived_cancellation_records (like cancellation_records including defaults including constraints including indexes);
    create index archived_payment_events_by_age on archived_payment_events (created_at);
    create index archived_funnel_events_by_age on archived_funnel_events (created_at);
    create index archived_cancellation_records_by_age on archived_cancellation_records (created_at);
    create index payment_events_by_age on payment_events (created_at);
    create index funnel_events_by_age on funnel_events (created_at);

    create function refuse_payment_event_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and current_setting('paypilot.archiving', true) = 'on' then
        return old;
      end if;
      raise exception '% rows are immutable', tg_table_name;
    end $$;
    drop trigger payment_events_immutable on payment_events;
    create trigger payment_events_immutable before update or delete on payment_events
      for each row execute function refuse_payment_event_change();
    create trigger archived_payment_events_immutable before update or delete on archived_payment_events
      for each row execute function refuse_change();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger payment_events_immutable on payment_events;
    create trigger payment_events_immutable before update or delete on payment_events
      for each row execute function refuse_change();
    drop function refuse_payment_event_change();
    drop index if exists payment_events_by_age, funnel_events_by_age;
    drop table if exists archived_payment_events, archived_funnel_events, archived_cancellation_records;
  `.execute(db);
}
