/**
 * Telling merchants and payers what happened, through a transactional outbox.
 *
 * The `events` rows written with every state change are the outbox. A trigger
 * on them, in the same transaction, creates one `webhook_deliveries` row per
 * enabled endpoint that wants the event and queues its delivery job, and
 * queues the payer-notification job for the events payers hear about. So a
 * committed change can never miss its notifications, and a rolled-back one
 * sends none.
 *
 * - `webhook_endpoints`: the merchant's receivers, each with its signing secret
 *   (sealed, as it must be read to sign) and how long it has been failing.
 * - `webhook_deliveries`: one per event and endpoint, with its retry schedule and
 *   a lease, so two workers never deliver it at once and a killed worker's
 *   delivery is taken up again when the lease runs out.
 * - `webhook_delivery_attempts`: the log of every try (request, status, duration, error).
 * - `messages`: every email and SMS, rendered when queued, sent by the worker
 *   with the same lease and retry rules, once per `dedupe_key`.
 * - customers gain a time zone and an opt-out per channel.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table customers
      add column time_zone text not null default 'UTC',
      add column email_opt_out boolean not null default false,
      add column sms_opt_out boolean not null default false;

    create table webhook_endpoints (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      url text not null,
      description text,
      enabled_events text[] not null,
      secret_sealed bytea not null,
      status text not null check (status in ('enabled', 'disabled')),
      disabled_reason text,
      failing_since timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      deleted_at timestamptz
    );
    create index webhook_endpoints_by_merchant on webhook_endpoints (merchant_id, mode, id desc) where deleted_at is null;

    create table webhook_deliveries (
      id text primary key,
      endpoint_id text not null references webhook_endpoints (id),
      event_id text not null references events (id),
      merchant_id text not null,
      status text not null check (status in ('pending', 'succeeded', 'failed', 'canceled')),
      attempts integer not null default 0,
      next_attempt_at timestamptz,
      lease_until timestamptz,
      first_attempted_at timestamptz,
      last_attempted_at timestamptz,
      last_response_status integer,
      last_error text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (endpoint_id, event_id)
    );
    create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
    create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, id desc);
    create index webhook_deliveries_by_event on webhook_deliveries (event_id);

    create table webhook_delivery_attempts (
      id bigint generated always as identity primary key,
      delivery_id text not null references webhook_deliveries (id),
      endpoint_id text not null,
      attempt integer not null,
      attempted_at timestamptz not null,
      request_url text not null,
      request_signature text not null,
      response_status integer,
      response_body text,
      duration_ms integer not null,
      error text
    );
    create index webhook_delivery_attempts_by_delivery on webhook_delivery_attempts (delivery_id, id);

    create table messages (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null,
      channel text not null check (channel in ('email', 'sms')),
      purpose text not null,
      dedupe_key text not null unique,
      recipient text not null,
      locale text not null,
      customer_id text references customers (id),
      payment_id text references payments (id),
      event_id text references events (id),
      subject text,
      body_text text not null,
      body_html text,
      status text not null check (status in ('pending', 'sent', 'failed', 'skipped')),
      attempts integer not null default 0,
      next_attempt_at timestamptz,
      lease_until timestamptz,
      last_error text,
      provider_message_id text,
      sent_at timestamptz,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index messages_due on messages (next_attempt_at) where status = 'pending';
    create index messages_by_payment on messages (payment_id) where payment_id is not null;

    -- A delivery's id keeps its event's time part (so ids sort by time) and a part unique to the endpoint.
    create function events_outbox() returns trigger language plpgsql as $$
    declare
      queued integer;
    begin
      with created as (
        insert into webhook_deliveries (id, endpoint_id, event_id, merchant_id, status, next_attempt_at, created_at, updated_at)
        select 'wd_' || substr(new.id, 5, 10) || substr(md5(new.id || e.id), 1, 16), e.id, new.id, new.merchant_id, 'pending', new.created_at, new.created_at, new.created_at
          from webhook_endpoints e
         where e.merchant_id = new.merchant_id and e.mode = new.mode and e.status = 'enabled' and e.deleted_at is null
           and (new.type = any (e.enabled_events) or '*' = any (e.enabled_events))
        on conflict (endpoint_id, event_id) do nothing
        returning id
      )
      select count(graphile_worker.add_job('deliver_webhook', json_build_object('id', created.id), max_attempts => 5)) into queued from created;
      -- Payers hear about their own payments only: those that name a customer.
      if (new.type in ('payment.succeeded', 'payment.canceled') and new.data -> 'object' ->> 'customer' is not null)
         or (new.type = 'refund.succeeded'
             and exists (select 1 from refunds r join payments p on p.id = r.payment_id
                          where r.id = new.object_id and p.customer_id is not null)) then
        perform graphile_worker.add_job('notify_payer', json_build_object('event', new.id), max_attempts => 10);
      end if;
      return null;
    end $$;
    create trigger events_outbox after insert on events for each row execute function events_outbox();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger if exists events_outbox on events;
    drop function if exists events_outbox();
    drop table if exists messages, webhook_delivery_attempts, webhook_deliveries, webhook_endpoints;
    alter table customers drop column if exists time_zone, drop column if exists email_opt_out, drop column if exists sms_opt_out;
  `.execute(db);
}
