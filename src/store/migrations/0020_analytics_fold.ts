/**
 * Analytics rollups folded in batches instead of in every payment's statements.
 *
 * Migration 0010 kept the rollups with triggers that recomputed a payment's
 * facts and moved its counters inside the statement that changed it: exact,
 * but about half of PostgreSQL's work per payment. Now those triggers only
 * append what changed to `analytics_changes` (the payment's id, and for an
 * attempt the images it adds to and removes from the channel histograms), in
 * the same statement, so nothing can be lost. `analytics_fold` takes a batch
 * of changes (deleted in the transaction that applies them, with SKIP LOCKED,
 * so each is applied exactly once by exactly one fold) and applies it through
 * the same functions as before: payment facts recomputed from the live rows
 * (so the order of changes does not matter) and attempt images added and
 * removed. The worker folds every few seconds; a reader of a merchant's
 * analytics folds that merchant's changes first, so figures stay exact
 * whatever the lag.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

const rollupTriggers = [
  ['analytics_payments_inserted', 'payments'],
  ['analytics_payments_updated', 'payments'],
  ['analytics_payments_deleted', 'payments'],
  ['analytics_attempts_inserted', 'payment_attempts'],
  ['analytics_attempts_updated', 'payment_attempts'],
  ['analytics_attempts_deleted', 'payment_attempts'],
  ['analytics_refunds_inserted', 'refunds'],
  ['analytics_refunds_updated', 'refunds'],
  ['analytics_refunds_deleted', 'refunds'],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [trigger, table] of rollupTriggers) await sql`drop trigger ${sql.id(trigger)} on ${sql.table(table)}`.execute(db);
  await sql`
    -- One row per change. attempt_added / attempt_removed: an attempt's row (as jsonb, so that
    -- columns added to payment_attempts later change nothing here) entering or leaving the counts.
    create table analytics_changes (
      id bigint generated always as identity primary key,
      merchant_id text not null,
      payment_id text not null,
      attempt_added jsonb,
      attempt_removed jsonb
    );
    create index analytics_changes_by_merchant on analytics_changes (merchant_id, id);

    -- Payments: the same conditions as migration 0010's triggers, now only noted.
    create function analytics_note_payments_inserted() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id) select n.merchant_id, n.id from new_payments n;
      return null;
    end $$;
    create function analytics_note_payment_updated() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id) values (new.merchant_id, new.id);
      if new.id <> old.id then
        insert into analytics_changes (merchant_id, payment_id) values (old.merchant_id, old.id);
      end if;
      return null;
    end $$;
    create function analytics_note_payments_deleted() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id) select o.merchant_id, o.id from old_payments o;
      return null;
    end $$;
    create trigger analytics_payments_inserted after insert on payments
      referencing new table as new_payments for each statement execute function analytics_note_payments_inserted();
    create trigger analytics_payments_updated after update on payments for each row
      when ((analytics_outcome(new.status), case when new.status = 'canceled' then new.cancellation_reason end,
             case when new.status = 'succeeded' then new.amount_received end, new.currency, new.created_at, new.merchant_id, new.mode, new.id)
            is distinct from
            (analytics_outcome(old.status), case when old.status = 'canceled' then old.cancellation_reason end,
             case when old.status = 'succeeded' then old.amount_received end, old.currency, old.created_at, old.merchant_id, old.mode, old.id))
      execute function analytics_note_payment_updated();
    create trigger analytics_payments_deleted after delete on payments
      referencing old table as old_payments for each statement execute function analytics_note_payments_deleted();

    -- Attempts: an authorize attempt may make its payment attempted; a counted one enters or leaves the histograms.
    create function analytics_note_attempts_inserted() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id, attempt_added)
      select n.merchant_id, n.payment_id, case when analytics_attempt_counted(n) then to_jsonb(n) end
        from new_attempts n
       where n.operation = 'authorize' or analytics_attempt_counted(n);
      return null;
    end $$;
    create function analytics_note_attempt_updated() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id, attempt_added, attempt_removed)
      values (new.merchant_id, new.payment_id,
              case when analytics_attempt_counted(new) then to_jsonb(new) end,
              case when analytics_attempt_counted(old) then to_jsonb(old) end);
      if new.payment_id <> old.payment_id then
        insert into analytics_changes (merchant_id, payment_id) values (old.merchant_id, old.payment_id);
      end if;
      return null;
    end $$;
    create function analytics_note_attempts_deleted() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id, attempt_removed)
      select o.merchant_id, o.payment_id, case when analytics_attempt_counted(o) then to_jsonb(o) end
        from old_attempts o
       where o.operation = 'authorize' or analytics_attempt_counted(o);
      return null;
    end $$;
    create trigger analytics_attempts_inserted after insert on payment_attempts
      referencing new table as new_attempts for each statement execute function analytics_note_attempts_inserted();
    create trigger analytics_attempts_updated after update on payment_attempts for each row
      when ((new.operation, new.payment_id) is distinct from (old.operation, old.payment_id)
            or ((analytics_attempt_counted(new) or analytics_attempt_counted(old))
                and (analytics_attempt_counted(new), new.status, new.latency_ms, new.payment_method_type, new.connector_account_id,
                     analytics_decline_code(new))
                    is distinct from
                    (analytics_attempt_counted(old), old.status, old.latency_ms, old.payment_method_type, old.connector_account_id,
                     analytics_decline_code(old))))
      execute function analytics_note_attempt_updated();
    create trigger analytics_attempts_deleted after delete on payment_attempts
      referencing old table as old_attempts for each statement execute function analytics_note_attempts_deleted();

    -- Refunds: a payment is refunded while it has at least one succeeded refund.
    create function analytics_note_refunds_inserted() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id)
      select distinct n.merchant_id, n.payment_id from new_refunds n where n.status = 'succeeded';
      return null;
    end $$;
    create function analytics_note_refunds_updated() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id)
      select n.merchant_id, n.payment_id from new_refunds n join old_refunds o on o.id = n.id
       where (n.status = 'succeeded' or o.status = 'succeeded') and (n.status, n.payment_id) is distinct from (o.status, o.payment_id)
      union
      select o.merchant_id, o.payment_id from new_refunds n join old_refunds o on o.id = n.id
       where (n.status = 'succeeded' or o.status = 'succeeded') and (n.status, n.payment_id) is distinct from (o.status, o.payment_id);
      return null;
    end $$;
    create function analytics_note_refunds_deleted() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id)
      select distinct o.merchant_id, o.payment_id from old_refunds o where o.status = 'succeeded';
      return null;
    end $$;
    create trigger analytics_refunds_inserted after insert on refunds
      referencing new table as new_refunds for each statement execute function analytics_note_refunds_inserted();
    create trigger analytics_refunds_updated after update on refunds
      referencing old table as old_refunds new table as new_refunds for each statement execute function analytics_note_refunds_updated();
    create trigger analytics_refunds_deleted after delete on refunds
      referencing old table as old_refunds for each statement execute function analytics_note_refunds_deleted();

    -- Applies up to batch_max changes (of one merchant, or of any when for_merchant is null), oldest first;
    -- answers how many. Payment facts are brought up to date first, so an attempt's payment always has the
    -- hour and shard its images are counted under.
    create function analytics_fold(for_merchant text, batch_max integer) returns integer
    language plpgsql set plan_cache_mode = force_generic_plan as $$
    declare
      taken analytics_changes[];
      payment_ids text[];
    begin
      if for_merchant is null then
        with batch as (
          delete from analytics_changes c
           where c.id = any(array(select id from analytics_changes order by id limit batch_max for update skip locked))
          returning c.*
        )
        select coalesce(array_agg(b), '{}') into taken from batch b;
      else
        with batch as (
          delete from analytics_changes c
           where c.id = any(array(select id from analytics_changes where merchant_id = for_merchant
                                   order by id limit batch_max for update skip locked))
          returning c.*
        )
        select coalesce(array_agg(b), '{}') into taken from batch b;
      end if;
      if cardinality(taken) = 0 then
        return 0;
      end if;
      payment_ids := array(select distinct t.payment_id from unnest(taken) t order by 1);
      -- Two folds may hold changes of the same payment. analytics_refresh_facts serializes them by locking
      -- the payment's facts row, which a payment new to the rollups does not have yet: both would then count
      -- it as new. So every payment first gets a row that counts nothing (counted = false), in id order;
      -- a concurrent fold waits on it, then reads what the first one committed.
      insert into analytics_payment_facts as f (payment_id, merchant_id, mode, currency, hour, shard, counted, attempted,
                                                outcome, cancellation_reason, amount_succeeded, refunded)
      select p.id, p.merchant_id, p.mode, p.currency, analytics_hour(p.created_at), analytics_shard(p.id), false, false, 'open', null, 0, false
        from payments p
       where p.id = any(payment_ids)
       order by p.id
      on conflict (payment_id) do nothing;
      perform analytics_refresh_facts(payment_ids);
      perform analytics_forget_payments(payment_ids);
      perform analytics_apply_attempts(
        array(select jsonb_populate_record(null::payment_attempts, t.attempt_added) from unnest(taken) t where t.attempt_added is not null),
        array(select jsonb_populate_record(null::payment_attempts, t.attempt_removed) from unnest(taken) t where t.attempt_removed is not null));
      return cardinality(taken);
    end $$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [trigger, table] of rollupTriggers) await sql`drop trigger if exists ${sql.id(trigger)} on ${sql.table(table)}`.execute(db);
  await sql`
    drop function if exists analytics_fold(text, integer), analytics_note_payments_inserted(), analytics_note_payment_updated(),
      analytics_note_payments_deleted(), analytics_note_attempts_inserted(), analytics_note_attempt_updated(),
      analytics_note_attempts_deleted(), analytics_note_refunds_inserted(), analytics_note_refunds_updated(), analytics_note_refunds_deleted();
    drop table if exists analytics_changes;
  `.execute(db);
}
