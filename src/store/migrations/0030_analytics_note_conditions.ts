/**
 * The analytics notes of an updated payment or attempt (migration 0020) decide
 * in their functions, not in their triggers' WHEN clauses, whether the change
 * matters to the rollups. The condition is the same; only where it is
 * evaluated moves. PostgreSQL reads a WHEN clause from the catalog, plans it
 * (inlining the SQL functions it calls, which parses their bodies) and
 * compiles it again for every UPDATE statement that touches the table, which
 * cost 30–50 µs of CPU per statement on this machine, more than calling the
 * function for the row does: inside a PL/pgSQL function the condition is
 * planned once per connection. A payment is updated twice and its attempt
 * once, so this takes about 0.1 ms of PostgreSQL CPU off each payment.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function analytics_note_payment_updated() returns trigger language plpgsql as $$
    begin
      -- What the payment's rollup facts read (see analytics_refresh_facts): nothing else changes a count.
      if not ((analytics_outcome(new.status), case when new.status = 'canceled' then new.cancellation_reason end,
               case when new.status = 'succeeded' then new.amount_received end, new.currency, new.created_at, new.merchant_id, new.mode, new.id)
              is distinct from
              (analytics_outcome(old.status), case when old.status = 'canceled' then old.cancellation_reason end,
               case when old.status = 'succeeded' then old.amount_received end, old.currency, old.created_at, old.merchant_id, old.mode, old.id)) then
        return null;
      end if;
      insert into analytics_changes (merchant_id, payment_id) values (new.merchant_id, new.id);
      if new.id <> old.id then
        insert into analytics_changes (merchant_id, payment_id) values (old.merchant_id, old.id);
      end if;
      return null;
    end $$;
    drop trigger analytics_payments_updated on payments;
    create trigger analytics_payments_updated after update on payments for each row execute function analytics_note_payment_updated();

    create or replace function analytics_note_attempt_updated() returns trigger language plpgsql as $$
    begin
      -- An authorize attempt may make its payment attempted; a counted one enters or leaves the histograms.
      if not ((new.operation, new.payment_id) is distinct from (old.operation, old.payment_id)
              or ((analytics_attempt_counted(new) or analytics_attempt_counted(old))
                  and (analytics_attempt_counted(new), new.status, new.latency_ms, new.payment_method_type, new.connector_account_id,
                       analytics_decline_code(new))
                      is distinct from
                      (analytics_attempt_counted(old), old.status, old.latency_ms, old.payment_method_type, old.connector_account_id,
                       analytics_decline_code(old)))) then
        return null;
      end if;
      insert into analytics_changes (merchant_id, payment_id, attempt_added, attempt_removed)
      values (new.merchant_id, new.payment_id,
              case when analytics_attempt_counted(new) then to_jsonb(new) end,
              case when analytics_attempt_counted(old) then to_jsonb(old) end);
      if new.payment_id <> old.payment_id then
        insert into analytics_changes (merchant_id, payment_id) values (old.merchant_id, old.payment_id);
      end if;
      return null;
    end $$;
    drop trigger analytics_attempts_updated on payment_attempts;
    create trigger analytics_attempts_updated after update on payment_attempts for each row execute function analytics_note_attempt_updated();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function analytics_note_payment_updated() returns trigger language plpgsql as $$
    begin
      insert into analytics_changes (merchant_id, payment_id) values (new.merchant_id, new.id);
      if new.id <> old.id then
        insert into analytics_changes (merchant_id, payment_id) values (old.merchant_id, old.id);
      end if;
      return null;
    end $$;
    drop trigger if exists analytics_payments_updated on payments;
    create trigger analytics_payments_updated after update on payments for each row
      when ((analytics_outcome(new.status), case when new.status = 'canceled' then new.cancellation_reason end,
             case when new.status = 'succeeded' then new.amount_received end, new.currency, new.created_at, new.merchant_id, new.mode, new.id)
            is distinct from
            (analytics_outcome(old.status), case when old.status = 'canceled' then old.cancellation_reason end,
             case when old.status = 'succeeded' then old.amount_received end, old.currency, old.created_at, old.merchant_id, old.mode, old.id))
      execute function analytics_note_payment_updated();

    create or replace function analytics_note_attempt_updated() returns trigger language plpgsql as $$
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
    drop trigger if exists analytics_attempts_updated on payment_attempts;
    create trigger analytics_attempts_updated after update on payment_attempts for each row
      when ((new.operation, new.payment_id) is distinct from (old.operation, old.payment_id)
            or ((analytics_attempt_counted(new) or analytics_attempt_counted(old))
                and (analytics_attempt_counted(new), new.status, new.latency_ms, new.payment_method_type, new.connector_account_id,
                     analytics_decline_code(new))
                    is distinct from
                    (analytics_attempt_counted(old), old.status, old.latency_ms, old.payment_method_type, old.connector_account_id,
                     analytics_decline_code(old))))
      execute function analytics_note_attempt_updated();
  `.execute(db);
}
