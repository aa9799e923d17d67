/**
 * Analytics rollups, maintained by triggers so that a summary over months
 * reads rollup rows instead of every payment, and stays exact.
 *
 * - `analytics_payment_facts`: one row per payment with what it contributes
 *   (attempted? succeeded, canceled or still open? the reason, the amount
 *   received, refunded?). Every trigger on payments, payment_attempts and
 *   refunds only asks for the facts of the payments it touched to be
 *   recomputed from the live rows (`analytics_refresh_facts`), which stores
 *   the new facts and moves the hourly and daily counters from the old facts
 *   to the new ones. Recomputing from the live rows (rather than adding +1 here, -1
 *   there) is what keeps the counters exact whatever order the changes of
 *   one statement arrive in.
 * - Counters keyed by merchant, mode, UTC hour of the payment's `created_at`,
 *   currency, and a shard (a hash of the payment id into 8 slots): one row
 *   per merchant-hour would be a hot row updated by every payment, capping
 *   throughput near 1 100 payments/s (PERFORMANCE.md). Readers sum the
 *   shards. The same counters per UTC day, kept by the same statements, let a
 *   range read its whole days from a 24th of the rows; hours remain for
 *   hourly buckets and for the partial days at a range's edges.
 * - Channel latencies as a histogram (count per distinct integer latency_ms),
 *   per hour and per day, without a shard (see the tables), so percentiles
 *   over any set of days and hours are exact; per day also by 32 ms span, so
 *   that a summary reads exact latencies only where its percentiles lie.
 *
 * Inserts and deletes fire per statement with transition tables: a statement
 * that inserts 10 000 payments makes one grouped upsert per rollup, not
 * 10 000, and the upserts go in key order so two such statements cannot
 * deadlock. Updates of payments and attempts fire per row behind a WHEN
 * clause, because most of them (a payment going to processing, an attempt's
 * retry) change nothing counted and are then dropped before any PL/pgSQL runs.
 * Cost on the hot path, measured (create, confirm, succeed; 2-core machine,
 * bench/README.md): PostgreSQL CPU per payment about twice what it is without
 * the triggers; the daily level's share of that is about 1.1 ms per payment.
 *
 * Counted attempts: `authorize` attempts with an outcome (succeeded or
 * failed); captures and voids are not payment attempts. A payment is
 * attempted once it has an authorize attempt (a card refused locally, such as
 * a mistyped number, never reaches a provider and makes none).
 *
 * Frozen: imports no application code and never changes once released.
 */
import { sql, type Kysely } from 'kysely';

/**
 * The hourly and daily twins are written by these functions, once each: a
 * counter table (and the upsert that moves it) per level of time differs
 * only in its time column. Frozen with the migration: the statements they
 * build are the ones 0010 always ran (test/integration/migration-0010-generated.test.ts
 * compares the schema with the one the hand-written statements made).
 */
type Level = 'hourly' | 'daily';

const timeColumnOf = (level: Level) => (level === 'hourly' ? 'hour' : 'day');

const paymentCounters = ['payments_created', 'payments_attempted', 'payments_succeeded', 'payments_canceled', 'payments_refunded', 'amount_succeeded'];

/** What each payment counter adds up, in the order of paymentCounters. */
const paymentSums: [string, string][] = [
  ['payments_created', 'sum(sign)'],
  ['payments_attempted', 'sum(case when attempted then sign else 0 end)'],
  ['payments_succeeded', "sum(case when outcome = 'succeeded' then sign else 0 end)"],
  ['payments_canceled', "sum(case when outcome = 'canceled' then sign else 0 end)"],
  ['payments_refunded', 'sum(case when refunded then sign else 0 end)'],
  ['amount_succeeded', 'sum(sign * amount_succeeded)'],
];

/** A counter table keyed by merchant, mode, hour or day, currency, shard and its own key columns (text). */
function counterTable(name: string, level: Level, keyColumns: string[], counters: string[]): string {
  const time = timeColumnOf(level);
  const key = ['merchant_id', 'mode', time, 'currency', 'shard', ...keyColumns];
  return `create table analytics_${level}_${name} (
      merchant_id text not null,
      mode text not null,
      ${time} timestamptz not null,
      currency text not null,
      shard smallint not null,
      ${[...keyColumns.map((column) => `${column} text not null`), ...counters.map((column) => `${column} bigint not null`)].join(',\n      ')},
      primary key (${key.join(', ')})
    );`;
}

/** Adds to a counter table what `source` (rows with a sign) sums to per key, skipping keys that sum to nothing, in key order. */
function counterUpsert(name: string, level: Level, source: string, where: string | null, keyColumns: string[], sums: [string, string][]): string {
  const key = ['merchant_id', 'mode', timeColumnOf(level), 'currency', 'shard', ...keyColumns].join(', ');
  return `insert into analytics_${level}_${name} as t (${key}, ${sums.map(([column]) => column).join(', ')})
        select ${key}, ${sums.map(([, sum]) => sum).join(', ')}
          from ${source}
         ${where === null ? '' : `where ${where}`}
         group by ${key}
        having ${sums.map(([, sum]) => `${sum} <> 0`).join(' or ')}
         order by ${key}
        on conflict (${key}) do update
           set ${sums.map(([column]) => `${column} = t.${column} + excluded.${column}`).join(', ')}`;
}

/** A latency histogram's key: the columns of its unique constraint, in the constraint's order. */
const hourlyChannelKey = ['merchant_id', 'mode', 'hour', 'currency', 'payment_method_type', 'connector_account_id', 'latency_ms'];
const dailySpanKey = ['merchant_id', 'mode', 'day', 'currency', 'payment_method_type', 'connector_account_id', 'latency_bucket'];
const dailyChannelKey = ['merchant_id', 'mode', 'payment_method_type', 'connector_account_id', 'latency_ms', 'day', 'currency'];

function channelTable(table: string, time: 'hour' | 'day', latencyColumn: string, key: string[]): string {
  return `create table ${table} (
      merchant_id text not null,
      mode text not null,
      ${time} timestamptz not null,
      currency text not null,
      payment_method_type text not null,
      connector_account_id text,
      ${latencyColumn} integer,
      attempts bigint not null,
      attempts_succeeded bigint not null,
      constraint ${table}_key unique nulls not distinct
        (${key.join(', ')})
    );`;
}

/** Adds the attempts of `keyed` to a latency histogram, the latency column computed by `latencyExpression`. */
function channelUpsert(table: string, time: 'hour' | 'day', latencyColumn: string, latencyExpression: string, key: string[]): string {
  const grouped = ['merchant_id', 'mode', time, 'currency', 'payment_method_type', 'connector_account_id', latencyExpression].join(', ');
  const ordered = key.map((column) => (column === latencyColumn ? latencyExpression : column)).join(', ');
  const succeeded = "sum(case when status = 'succeeded' then sign else 0 end)";
  return `insert into ${table} as t (merchant_id, mode, ${time}, currency, payment_method_type,
                                                    connector_account_id, ${latencyColumn}, attempts, attempts_succeeded)
        select ${grouped},
               sum(sign), ${succeeded}
          from keyed
         group by ${grouped}
        having sum(sign) <> 0 or ${succeeded} <> 0
         order by ${ordered}
        on conflict on constraint ${table}_key do update
           set attempts = t.attempts + excluded.attempts,
               attempts_succeeded = t.attempts_succeeded + excluded.attempts_succeeded`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
    create function analytics_hour(at timestamptz) returns timestamptz language sql stable parallel safe
      as $$ select date_trunc('hour', at, 'UTC') $$;
    create function analytics_day(at timestamptz) returns timestamptz language sql stable parallel safe
      as $$ select date_trunc('day', at, 'UTC') $$;
    -- The 32 ms span a latency lies in (an arithmetic shift: floor(latency_ms / 32), negatives included).
    -- src/domain/analytics.ts (latencyBucketMs) must agree.
    create function analytics_latency_bucket(latency_ms integer) returns integer language sql immutable parallel safe
      as $$ select latency_ms >> 5 $$;
    create function analytics_shard(payment_id text) returns smallint language sql immutable parallel safe
      as $$ select (hashtext(payment_id) & 7)::smallint $$;
    -- Only these three outcomes count: every other status is a payment still open.
    create function analytics_outcome(status text) returns text language sql immutable parallel safe
      as $$ select case when status in ('succeeded', 'canceled') then status else 'open' end $$;

    -- What one payment contributes, computed from the live rows. The raw-table
    -- queries for partial hours read this view too, so both paths share one definition.
    -- The lookups are scalar subqueries with LIMIT 1, not EXISTS: a generic plan may turn an EXISTS
    -- into a hash of the whole table, and the triggers run on generic plans (see below).
    create view analytics_payment_facts_live as
    select p.id as payment_id, p.merchant_id, p.mode, p.currency,
           analytics_hour(p.created_at) as hour, analytics_shard(p.id) as shard,
           true as counted,
           coalesce((select true from payment_attempts a where a.payment_id = p.id and a.operation = 'authorize' limit 1), false) as attempted,
           analytics_outcome(p.status) as outcome,
           case when p.status = 'canceled' then coalesce(p.cancellation_reason, 'unspecified') end as cancellation_reason,
           case when p.status = 'succeeded' then p.amount_received else 0 end::bigint as amount_succeeded,
           p.status = 'succeeded'
             and coalesce((select true from refunds r where r.payment_id = p.id and r.status = 'succeeded' limit 1), false) as refunded,
           p.created_at
      from payments p;

    create table analytics_payment_facts (
      payment_id text primary key,
      merchant_id text not null,
      mode text not null,
      currency text not null,
      hour timestamptz not null,
      shard smallint not null,
      -- False once the payment row is gone: the row stays so that its attempts, deleted
      -- in the same statement, still find the hour they were counted in.
      counted boolean not null,
      attempted boolean not null,
      outcome text not null check (outcome in ('open', 'succeeded', 'canceled')),
      cancellation_reason text,
      amount_succeeded bigint not null,
      refunded boolean not null
    );

    -- Each counter exists at two levels of time, kept by the same statements: per UTC hour
    -- (hourly buckets, and the partial days at the edges of a range) and per UTC day (whole days).
    ${counterTable('payments', 'hourly', [], paymentCounters)}
    ${counterTable('payments', 'daily', [], paymentCounters)}

    ${counterTable('cancellations', 'hourly', ['cancellation_reason'], ['payments'])}
    ${counterTable('cancellations', 'daily', ['cancellation_reason'], ['payments'])}

    ${counterTable('declines', 'hourly', ['code'], ['attempts'])}
    ${counterTable('declines', 'daily', ['code'], ['attempts'])}

    -- The latency histograms have no shard. The counters above need one because every payment of
    -- a merchant in an hour (or a day) would otherwise update the same row, a hot row that caps
    -- throughput (PERFORMANCE.md). A histogram row is also keyed by the exact latency_ms, so two
    -- attempts only meet on one when they took the same number of milliseconds on the same channel,
    -- for the same merchant, currency and hour (or day): provider calls spread over hundreds of
    -- values, and the busiest row takes a small share of the traffic. A shard would only multiply the
    -- rows a summary reads (with spread latencies the sharded hourly histogram held about one attempt
    -- per row: 993 000 rows for 1.05 million attempts in bench/analytics.ts).
    -- The limit, accepted: a channel whose latencies collapse onto a few values (the in-process
    -- wallet, a simulator at 0 ms, every call timing out at the same budget during an outage) puts
    -- those attempts on a few rows per day, which caps that merchant's channel near PERFORMANCE.md's
    -- hot-row figure (about 1 100 settled attempts/s); the locks are taken in the statement that
    -- settles the attempt, as the last writes before its commit.
    --
    -- A wallet attempt has no connector account, and an attempt may lack a latency:
    -- nulls are one key each (nulls not distinct), not a sentinel value.
    ${channelTable('analytics_hourly_channels', 'hour', 'latency_ms', hourlyChannelKey)}
    -- Per day, the histogram exists twice, because even per day spread latencies leave about 2 attempts
    -- per row (440 000 rows for 90 days in bench/analytics.ts), too many to read for a summary:
    -- - by 32 ms span (analytics_latency_bucket): what a summary reads, under 50 rows per channel, currency and day;
    -- - by exact latency_ms, keyed channel and latency first: a summary then reads, for each channel
    --   and percentile, only the exact latencies of the one span the percentile falls in.
    -- A span row gathers more attempts than an exact one (a 32 ms span of latencies spread over a
    -- few hundred ms to seconds holds a few % of a channel's attempts): still far from a hot row.
    ${channelTable('analytics_daily_channel_spans', 'day', 'latency_bucket', dailySpanKey)}
    ${channelTable('analytics_daily_channels', 'day', 'latency_ms', dailyChannelKey)}

    -- Moves the hourly and daily counters by what the facts rows added and removed, in one statement.
    -- PL/pgSQL rather than SQL functions: PL/pgSQL keeps each statement's plan for the session,
    -- where a SQL function would parse and plan its body again at every call (measured: 25× the cost).
    -- Every function here forces generic plans: the application's sessions run with
    -- plan_cache_mode = force_custom_plan, which would re-plan each statement at every call, and these
    -- statements are all key lookups and grouped upserts whose best plan does not depend on the values.
    -- Every call runs the same statement (one plan), so concurrent calls take the tables in the same order and
    -- the rows of each in key order.
    create function analytics_apply_facts(added analytics_payment_facts[], removed analytics_payment_facts[]) returns void
    language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      if cardinality(added) = 0 and cardinality(removed) = 0 then
        return;
      end if;
      with changes as (
        select f.*, analytics_day(f.hour) as day, 1 as sign from unnest(added) f where f.counted
        union all
        select f.*, analytics_day(f.hour) as day, -1 as sign from unnest(removed) f where f.counted
      ),
      hourly_payments as (
        ${counterUpsert('payments', 'hourly', 'changes', null, [], paymentSums)}
        returning 1
      ),
      daily_payments as (
        ${counterUpsert('payments', 'daily', 'changes', null, [], paymentSums)}
        returning 1
      ),
      hourly_cancellations as (
        ${counterUpsert('cancellations', 'hourly', 'changes', "outcome = 'canceled'", ['cancellation_reason'], [['payments', 'sum(sign)']])}
        returning 1
      )
      ${counterUpsert('cancellations', 'daily', 'changes', "outcome = 'canceled'", ['cancellation_reason'], [['payments', 'sum(sign)']])};
    end $$;

    create function analytics_attempt_counted(a payment_attempts) returns boolean language sql immutable
      as $$ select a.operation = 'authorize' and a.status in ('succeeded', 'failed') $$;
    create function analytics_decline_code(a payment_attempts) returns text language sql immutable
      as $$ select coalesce(a.decline_code, a.error_code, 'unknown') $$;

    -- Moves the channel histograms and decline counters, hourly and daily, by what the attempt rows added and removed.
    create function analytics_apply_attempts(added payment_attempts[], removed payment_attempts[]) returns void
    language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      if cardinality(added) = 0 and cardinality(removed) = 0 then
        return;
      end if;
      with changes as (
        select a.payment_id, a.payment_method_type, a.connector_account_id, a.latency_ms, a.status,
               analytics_decline_code(a) as code, 1 as sign
          from unnest(added) a where analytics_attempt_counted(a)
        union all
        select a.payment_id, a.payment_method_type, a.connector_account_id, a.latency_ms, a.status,
               analytics_decline_code(a) as code, -1 as sign
          from unnest(removed) a where analytics_attempt_counted(a)
      ),
      keyed as (
        select f.merchant_id, f.mode, f.hour, analytics_day(f.hour) as day, f.currency, f.shard, c.*
          from changes c
         cross join lateral (select f.* from analytics_payment_facts f where f.payment_id = c.payment_id limit 1) f
      ),
      hourly_channels as (
        ${channelUpsert('analytics_hourly_channels', 'hour', 'latency_ms', 'latency_ms', hourlyChannelKey)}
        returning 1
      ),
      daily_channel_spans as (
        ${channelUpsert('analytics_daily_channel_spans', 'day', 'latency_bucket', 'analytics_latency_bucket(latency_ms)', dailySpanKey)}
        returning 1
      ),
      daily_channels as (
        ${channelUpsert('analytics_daily_channels', 'day', 'latency_ms', 'latency_ms', dailyChannelKey)}
        returning 1
      ),
      hourly_declines as (
        ${counterUpsert('declines', 'hourly', 'keyed', "status = 'failed'", ['code'], [['attempts', 'sum(sign)']])}
        returning 1
      )
      ${counterUpsert('declines', 'daily', 'keyed', "status = 'failed'", ['code'], [['attempts', 'sum(sign)']])};
    end $$;

    -- Brings the facts of these payments up to date with the live rows.
    create function analytics_refresh_facts(payment_ids text[]) returns void language plpgsql set plan_cache_mode = force_generic_plan as $$
    declare
      added analytics_payment_facts[];
      removed analytics_payment_facts[];
    begin
      if cardinality(payment_ids) = 0 then
        return;
      end if;
      -- Lock first, read after: under READ COMMITTED the next statement's snapshot then holds
      -- whatever a concurrent transaction on the same payment committed while we waited.
      perform 1 from analytics_payment_facts where payment_id = any(payment_ids) order by payment_id for update;
      with live as (
        select row(l.payment_id, l.merchant_id, l.mode, l.currency, l.hour, l.shard, l.counted, l.attempted,
                   l.outcome, l.cancellation_reason, l.amount_succeeded, l.refunded)::analytics_payment_facts as fact
          from analytics_payment_facts_live l
         where l.payment_id = any(payment_ids)
      ),
      -- LATERAL ... LIMIT 1 keeps the lookup of the stored facts an index probe per payment under a
      -- generic plan, which could otherwise hash the whole table.
      changed as (
        select live.fact, old.fact as old_fact
          from live
          left join lateral (select f.payment_id, f as fact from analytics_payment_facts f
                              where f.payment_id = (live.fact).payment_id limit 1) old on true
         where old.payment_id is null or old.fact is distinct from live.fact
      ),
      stored as (
        insert into analytics_payment_facts as f
        select (fact).* from changed order by (fact).payment_id
        on conflict (payment_id) do update
           set merchant_id = excluded.merchant_id, mode = excluded.mode, currency = excluded.currency, hour = excluded.hour,
               shard = excluded.shard, counted = excluded.counted, attempted = excluded.attempted, outcome = excluded.outcome,
               cancellation_reason = excluded.cancellation_reason, amount_succeeded = excluded.amount_succeeded,
               refunded = excluded.refunded
      )
      select coalesce(array_agg(fact), '{}'), coalesce(array_agg(old_fact) filter (where (old_fact).payment_id is not null), '{}')
        into added, removed
        from changed;
      perform analytics_apply_facts(added, removed);
    end $$;

    -- A payment that is gone stops counting; its row stays (see counted).
    create function analytics_forget_payments(payment_ids text[]) returns void language plpgsql set plan_cache_mode = force_generic_plan as $$
    declare
      removed analytics_payment_facts[];
    begin
      removed := array(
        select f from analytics_payment_facts f
         where f.payment_id = any(payment_ids) and f.counted
           and (select 1 from payments p where p.id = f.payment_id limit 1) is null
         order by f.payment_id
           for update);
      update analytics_payment_facts
         set counted = false, attempted = false, outcome = 'open', cancellation_reason = null, amount_succeeded = 0, refunded = false
       where payment_id = any(array(select r.payment_id from unnest(removed) r));
      perform analytics_apply_facts('{}', removed);
    end $$;

    -- Payments: only a change of what a payment contributes asks for a refresh.
    create function analytics_payments_inserted() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      perform analytics_refresh_facts(array(select n.id from new_payments n));
      return null;
    end $$;
    -- Updates are per row with a WHEN clause: most changes of a payment (to processing, back to
    -- requires_payment_method, a new next_action) change nothing it contributes, and the WHEN
    -- clause drops them before any PL/pgSQL runs or any transition table is filled.
    create function analytics_payment_updated() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      perform analytics_refresh_facts(case when new.id = old.id then array[new.id] else array[new.id, old.id] end);
      return null;
    end $$;
    create function analytics_payments_deleted() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      perform analytics_forget_payments(array(select o.id from old_payments o));
      return null;
    end $$;
    create trigger analytics_payments_inserted after insert on payments
      referencing new table as new_payments for each statement execute function analytics_payments_inserted();
    create trigger analytics_payments_updated after update on payments for each row
      when ((analytics_outcome(new.status), case when new.status = 'canceled' then new.cancellation_reason end,
             case when new.status = 'succeeded' then new.amount_received end, new.currency, new.created_at, new.merchant_id, new.mode, new.id)
            is distinct from
            (analytics_outcome(old.status), case when old.status = 'canceled' then old.cancellation_reason end,
             case when old.status = 'succeeded' then old.amount_received end, old.currency, old.created_at, old.merchant_id, old.mode, old.id))
      execute function analytics_payment_updated();
    create trigger analytics_payments_deleted after delete on payments
      referencing old table as old_payments for each statement execute function analytics_payments_deleted();

    -- Attempts: the first authorize attempt makes a payment attempted; an attempt with an
    -- outcome counts in its channel's histogram and, failed, in the decline codes.
    create function analytics_attempts_inserted() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      perform analytics_refresh_facts(array(
        select distinct n.payment_id from new_attempts n
         where coalesce((select n.operation = 'authorize' and not f.attempted
                           from analytics_payment_facts f where f.payment_id = n.payment_id limit 1), true)));
      perform analytics_apply_attempts(array(select n::payment_attempts from new_attempts n where analytics_attempt_counted(n)), '{}');
      return null;
    end $$;
    -- Per row with a WHEN clause, like payments: a pending attempt's retries and polls change nothing counted.
    create function analytics_attempt_updated() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      if (new.operation, new.payment_id) is distinct from (old.operation, old.payment_id) then
        perform analytics_refresh_facts(array[new.payment_id, old.payment_id]);
      end if;
      perform analytics_apply_attempts(case when analytics_attempt_counted(new) then array[new]::payment_attempts[] else '{}' end,
                                       case when analytics_attempt_counted(old) then array[old]::payment_attempts[] else '{}' end);
      return null;
    end $$;
    create function analytics_attempts_deleted() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      perform analytics_apply_attempts('{}', array(select o::payment_attempts from old_attempts o where analytics_attempt_counted(o)));
      perform analytics_refresh_facts(array(select distinct o.payment_id from old_attempts o where o.operation = 'authorize'));
      return null;
    end $$;
    create trigger analytics_attempts_inserted after insert on payment_attempts
      referencing new table as new_attempts for each statement execute function analytics_attempts_inserted();
    create trigger analytics_attempts_updated after update on payment_attempts for each row
      when ((new.operation, new.payment_id) is distinct from (old.operation, old.payment_id)
            or ((analytics_attempt_counted(new) or analytics_attempt_counted(old))
                and (analytics_attempt_counted(new), new.status, new.latency_ms, new.payment_method_type, new.connector_account_id,
                     analytics_decline_code(new))
                    is distinct from
                    (analytics_attempt_counted(old), old.status, old.latency_ms, old.payment_method_type, old.connector_account_id,
                     analytics_decline_code(old))))
      execute function analytics_attempt_updated();
    create trigger analytics_attempts_deleted after delete on payment_attempts
      referencing old table as old_attempts for each statement execute function analytics_attempts_deleted();

    -- Refunds: a payment is refunded while it has at least one succeeded refund.
    create function analytics_refunds_inserted() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      perform analytics_refresh_facts(array(select distinct n.payment_id from new_refunds n where n.status = 'succeeded'));
      return null;
    end $$;
    create function analytics_refunds_updated() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      perform analytics_refresh_facts(array(
        select n.payment_id from new_refunds n join old_refunds o on o.id = n.id
         where (n.status = 'succeeded' or o.status = 'succeeded') and (n.status, n.payment_id) is distinct from (o.status, o.payment_id)
        union select o.payment_id from new_refunds n join old_refunds o on o.id = n.id
         where (n.status = 'succeeded' or o.status = 'succeeded') and (n.status, n.payment_id) is distinct from (o.status, o.payment_id)));
      return null;
    end $$;
    create function analytics_refunds_deleted() returns trigger language plpgsql set plan_cache_mode = force_generic_plan as $$
    begin
      perform analytics_refresh_facts(array(select distinct o.payment_id from old_refunds o where o.status = 'succeeded'));
      return null;
    end $$;
    create trigger analytics_refunds_inserted after insert on refunds
      referencing new table as new_refunds for each statement execute function analytics_refunds_inserted();
    create trigger analytics_refunds_updated after update on refunds
      referencing old table as old_refunds new table as new_refunds for each statement execute function analytics_refunds_updated();
    create trigger analytics_refunds_deleted after delete on refunds
      referencing old table as old_refunds for each statement execute function analytics_refunds_deleted();

    -- Payments already there when this migration runs are counted once, through the same path.
    select analytics_refresh_facts(array(select id from payments));
    select analytics_apply_attempts(array(select a from payment_attempts a where analytics_attempt_counted(a)), '{}');
  `).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger if exists analytics_payments_inserted on payments;
    drop trigger if exists analytics_payments_updated on payments;
    drop trigger if exists analytics_payments_deleted on payments;
    drop trigger if exists analytics_attempts_inserted on payment_attempts;
    drop trigger if exists analytics_attempts_updated on payment_attempts;
    drop trigger if exists analytics_attempts_deleted on payment_attempts;
    drop trigger if exists analytics_refunds_inserted on refunds;
    drop trigger if exists analytics_refunds_updated on refunds;
    drop trigger if exists analytics_refunds_deleted on refunds;
    drop function if exists analytics_payments_inserted(), analytics_payment_updated(), analytics_payments_deleted(),
      analytics_attempts_inserted(), analytics_attempt_updated(), analytics_attempts_deleted(),
      analytics_refunds_inserted(), analytics_refunds_updated(), analytics_refunds_deleted(), analytics_refresh_facts(text[]),
      analytics_forget_payments(text[]),
      analytics_apply_attempts(payment_attempts[], payment_attempts[]),
      analytics_attempt_counted(payment_attempts), analytics_decline_code(payment_attempts);
    drop table if exists analytics_hourly_channels, analytics_hourly_declines, analytics_hourly_cancellations,
      analytics_hourly_payments, analytics_daily_channel_spans, analytics_daily_channels, analytics_daily_declines, analytics_daily_cancellations,
      analytics_daily_payments, analytics_payment_facts cascade;
    drop view if exists analytics_payment_facts_live;
    drop function if exists analytics_hour(timestamptz), analytics_day(timestamptz), analytics_latency_bucket(integer), analytics_shard(text), analytics_outcome(text);
  `.execute(db);
}
