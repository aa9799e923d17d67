/**
 * The queue triggers on a payment's statements, cheaper and writing exactly
 * what they wrote before (issue 14; figures in bench/README.md, "Queue
 * triggers").
 *
 * `events`: the two row triggers (`event_stream_outbox`, migration 0046, and
 * `events_outbox`, migration 0006) become one statement-level trigger,
 * `events_queue`, over the statement's new rows (a transition table). Every
 * payment statement writes one event or two, and each row trigger was a
 * PL/pgSQL call running its statements even when they had nothing to do (an
 * insert into `webhook_deliveries` for a merchant without endpoints still
 * opens the table and its five indexes). Now one call per statement first
 * asks, in one query, whether anything is owed: a registered stream
 * publisher, an enabled endpoint of the events' merchant and mode, an event a
 * payer may hear about. Only what is owed runs, each a single set-based
 * statement:
 * - the event stream's rows, one per event while a publisher is registered,
 *   in the order the events were written (`sequence` follows the transition
 *   table's order, which is the order of the rows inserted), so each payment's
 *   events stay in order;
 * - one webhook delivery per event and subscribed enabled endpoint (same id,
 *   same columns, `on conflict do nothing` as before), and one
 *   `deliver_webhook` job per delivery written, queued in the events' order;
 * - one `notify_payer` job per payment outcome that names a customer and per
 *   refund of a customer's payment, in the events' order.
 * Same rows, same transaction, same statement (an AFTER STATEMENT trigger
 * fires at the end of the statement that inserted the events, where the row
 * triggers fired too). What differs is only the interleaving of the queued
 * jobs between events of one statement: all of its deliveries' jobs, then all
 * of its payer notices, where each event's were queued together before;
 * nothing orders jobs of different tasks (they run independently).
 *
 * `payment_attempts`: the condition of `payment_attempts_poll_order_updated`
 * moves from the trigger's WHEN clause into its function, as migration 0030
 * did for the analytics notes: PostgreSQL compiles a WHEN clause again for
 * every UPDATE statement on the table (every attempt's outcome, card ones
 * included), while a PL/pgSQL function plans its condition once per session.
 * Same condition, same job.
 *
 * The version still serving needs nothing: no application code names these
 * triggers or functions. Each trigger is replaced in this one transaction.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    set local lock_timeout = '5s';

    create function events_queue() returns trigger language plpgsql as $$
    declare
      streaming boolean;
      subscribed boolean;
      for_payers boolean;
      queued integer;
    begin
      -- One query for the common case (no publisher, no endpoint, no payer to tell): nothing else runs then.
      select exists (select 1 from event_stream_publishers),
             exists (select 1 from new_events n
                       join webhook_endpoints e on e.merchant_id = n.merchant_id and e.mode = n.mode
                      where e.status = 'enabled' and e.deleted_at is null),
             exists (select 1 from new_events n
                      where (n.type in ('payment.succeeded', 'payment.canceled') and n.data -> 'object' ->> 'customer' is not null)
                         or n.type = 'refund.succeeded')
        into streaming, subscribed, for_payers;

      if streaming then
        -- Numbered in the order the statement wrote the events, so sequence follows it.
        insert into event_stream_outbox (event_id, merchant_id, mode, ordering_key, created_at)
        select n.id, n.merchant_id, n.mode,
               case when n.object_id like 'pay\\_%' then n.object_id
                    else coalesce(n.data -> 'object' ->> 'payment', n.data -> 'object' ->> 'payment_id', n.object_id) end,
               n.created_at
          from (select w.*, row_number() over () as written from new_events w) n
         order by n.written
        on conflict (event_id) do nothing;
      end if;

      if subscribed then
        -- A delivery's id keeps its event's time part (so ids sort by time) and a part unique to the endpoint.
        with created as (
          insert into webhook_deliveries (id, endpoint_id, event_id, merchant_id, status, next_attempt_at, created_at, updated_at)
          select 'wd_' || substr(n.id, 5, 10) || substr(md5(n.id || e.id), 1, 16), e.id, n.id, n.merchant_id, 'pending',
                 n.created_at, n.created_at, n.created_at
            from (select w.*, row_number() over () as written from new_events w) n
            join webhook_endpoints e on e.merchant_id = n.merchant_id and e.mode = n.mode
           where e.status = 'enabled' and e.deleted_at is null
             and (n.type = any (e.enabled_events) or '*' = any (e.enabled_events))
           order by n.written, e.id
          on conflict (endpoint_id, event_id) do nothing
          returning id, merchant_id
        )
        -- The job names the delivery's merchant, so the worker claims it through the merchant (tenant keys).
        select count(graphile_worker.add_job('deliver_webhook', json_build_object('id', created.id, 'merchant', created.merchant_id), max_attempts => 5))
          into queued
          from created;
      end if;

      if for_payers then
        -- Payers hear about their own payments only: those that name a customer.
        perform graphile_worker.add_job('notify_payer', json_build_object('event', n.id, 'merchant', n.merchant_id), max_attempts => 10)
           from (select w.*, row_number() over () as written from new_events w) n
          where (n.type in ('payment.succeeded', 'payment.canceled') and n.data -> 'object' ->> 'customer' is not null)
             or (n.type = 'refund.succeeded'
                 and exists (select 1 from refunds r join payments p on p.merchant_id = r.merchant_id and p.id = r.payment_id
                              where r.merchant_id = n.merchant_id and r.id = n.object_id and p.customer_id is not null))
          order by n.written;
      end if;
      return null;
    end $$;

    create trigger events_queue after insert on events
      referencing new table as new_events
      for each statement execute function events_queue();
    drop trigger events_outbox on events;
    drop trigger event_stream_outbox on events;
    drop function events_outbox();
    drop function event_stream_outbox();

    create function payment_attempts_poll_order_updated() returns trigger language plpgsql as $$
    begin
      -- The WHEN clause of migration 0024, unchanged.
      if new.connector in ('alipay', 'wechat_pay', 'unionpay')
         and ((new.status = 'requires_action' and old.status is distinct from 'requires_action')
              or (new.status in ('pending', 'unknown', 'requires_action') and new.next_query_at < old.next_query_at)) then
        perform graphile_worker.add_job(
          'poll_order',
          json_build_object('attempt', new.id),
          run_at => now() + case when new.status = 'requires_action' and old.status is distinct from 'requires_action'
                                 then interval '5 seconds' else interval '0 seconds' end,
          max_attempts => 3,
          job_key => 'poll_order:' || new.id
        );
      end if;
      return null;
    end $$;

    create or replace trigger payment_attempts_poll_order_updated after update of status, next_query_at on payment_attempts
      for each row execute function payment_attempts_poll_order_updated();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace trigger payment_attempts_poll_order_updated after update of status, next_query_at on payment_attempts
      for each row when (
        new.connector in ('alipay', 'wechat_pay', 'unionpay')
        and (
          (new.status = 'requires_action' and old.status is distinct from 'requires_action')
          or (new.status in ('pending', 'unknown', 'requires_action') and new.next_query_at < old.next_query_at)
        )
      )
      execute function payment_attempts_poll_order();
    drop function if exists payment_attempts_poll_order_updated();

    create or replace function event_stream_outbox() returns trigger language plpgsql as $$
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
    create or replace function events_outbox() returns trigger language plpgsql as $$
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
      if (new.type in ('payment.succeeded', 'payment.canceled') and new.data -> 'object' ->> 'customer' is not null)
         or (new.type = 'refund.succeeded'
             and exists (select 1 from refunds r join payments p on p.id = r.payment_id
                          where r.id = new.object_id and p.customer_id is not null)) then
        perform graphile_worker.add_job('notify_payer', json_build_object('event', new.id), max_attempts => 10);
      end if;
      return null;
    end $$;
    create trigger event_stream_outbox after insert on events for each row execute function event_stream_outbox();
    create trigger events_outbox after insert on events for each row execute function events_outbox();
    drop trigger if exists events_queue on events;
    drop function if exists events_queue();
  `.execute(db);
}
