/**
 * Events published to a stream for other systems (NATS JetStream,
 * src/messaging/event-stream-nats.ts), besides webhooks. Off by default: a
 * publisher registers itself in `event_stream_publishers` when it starts, and
 * only while one is registered does the trigger below queue each new event in
 * `event_stream_outbox`, in the transaction that writes the event (no
 * publisher: no rows pile up).
 *
 * A row is the publication still owed: the publisher deletes it once the
 * stream has acknowledged the message, so a crash before that publishes it
 * again (the stream drops the copy by its message id, the event's id).
 * `sequence` orders the publications; `ordering_key` is the payment the event
 * is about (a refund's or an order's event is its payment's), so a publisher
 * keeps each payment's events in order and may run different payments side
 * by side. One publisher at a time holds the lease (`lease_holder` until
 * `lease_until`), taken in one conditional UPDATE.
 *
 * Also: an index for the worker's removal of idle rate-limit buckets
 * (`rate_limit_buckets`, migration 0032), found by `refilled_at`.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table event_stream_publishers (
      name text primary key,
      lease_holder text,
      lease_until timestamptz,
      registered_at timestamptz not null,
      check ((lease_holder is null) = (lease_until is null))
    );

    create table event_stream_outbox (
      sequence bigint generated always as identity primary key,
      event_id text not null unique,
      merchant_id text not null,
      mode text not null,
      ordering_key text not null,
      created_at timestamptz not null
    );

    create function event_stream_outbox() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from event_stream_publishers) then
        insert into event_stream_outbox (event_id, merchant_id, mode, ordering_key, created_at)
        values (new.id, new.merchant_id, new.mode,
                case when new.object_id like 'pay\\_%' then new.object_id
                     else coalesce(new.data -> 'object' ->> 'payment', new.data -> 'object' ->> 'payment_id', new.object_id) end,
                new.created_at)
        on conflict (event_id) do nothing;
      end if;
      return null;
    end $$;
    create trigger event_stream_outbox after insert on events for each row execute function event_stream_outbox();

    create index rate_limit_buckets_by_refill on rate_limit_buckets (refilled_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists rate_limit_buckets_by_refill;
    drop trigger if exists event_stream_outbox on events;
    drop function if exists event_stream_outbox();
    drop table if exists event_stream_outbox, event_stream_publishers;
  `.execute(db);
}
