/**
 * Two reads of the console's pages that went through every payment of their
 * range, measured at a million payments (bench/console.ts).
 *
 * 1. Feedback is counted over the payments created in a range (the console's
 * feedback and overview pages ask for a range and its buckets at once).
 * Read through `payments`, that is every payment of the range, about fifty
 * for each rating: at a million payments PostgreSQL read the whole table
 * (0.5–0.9 s a question). Each rating now carries its payment's mode and
 * creation time (neither ever changes), copied by a trigger from the payment
 * whoever writes the rating, and an index on them answers a range from the
 * ratings alone.
 *
 * 2. The Channels page shows decline codes per channel (payment method type
 * and connector account), which the decline counters of migration 0010 do
 * not keep (per merchant and currency only): it joined every payment of the
 * range to its attempts (0.7–2 s for a week). The attempt images that move
 * the channel histograms now also move decline counters per channel, hourly
 * and daily, in the same statement (analytics_apply_attempts, redefined here
 * with one more pair of upserts and otherwise as 0010 wrote it). The counters
 * start from what is folded: pending changes are folded first, under a lock
 * that holds new ones back until this commits, so none is counted twice or
 * missed.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

/** A latency histogram's key, as 0010 names them (the columns of its unique constraint, in order). */
const hourlyChannelKey = ['merchant_id', 'mode', 'hour', 'currency', 'payment_method_type', 'connector_account_id', 'latency_ms'];
const dailySpanKey = ['merchant_id', 'mode', 'day', 'currency', 'payment_method_type', 'connector_account_id', 'latency_bucket'];
const dailyChannelKey = ['merchant_id', 'mode', 'payment_method_type', 'connector_account_id', 'latency_ms', 'day', 'currency'];

/** As 0010's: adds the attempts of `keyed` to a latency histogram. */
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

/** As 0010's: adds to a decline counter table what `source` sums to per key, in key order. */
function declineUpsert(level: 'hourly' | 'daily'): string {
  const key = ['merchant_id', 'mode', level === 'hourly' ? 'hour' : 'day', 'currency', 'shard', 'code'].join(', ');
  return `insert into analytics_${level}_declines as t (${key}, attempts)
        select ${key}, sum(sign)
          from keyed
         where status = 'failed'
         group by ${key}
        having sum(sign) <> 0
         order by ${key}
        on conflict (${key}) do update
           set attempts = t.attempts + excluded.attempts`;
}

/** New here: decline counters per channel. */
function channelDeclineUpsert(level: 'hourly' | 'daily'): string {
  const time = level === 'hourly' ? 'hour' : 'day';
  const key = ['merchant_id', 'mode', time, 'currency', 'payment_method_type', 'connector_account_id', 'code'].join(', ');
  return `insert into analytics_${level}_channel_declines as t (${key}, attempts)
        select ${key}, sum(sign)
          from keyed
         where status = 'failed'
         group by ${key}
        having sum(sign) <> 0
         order by ${key}
        on conflict on constraint analytics_${level}_channel_declines_key do update
           set attempts = t.attempts + excluded.attempts`;
}

function channelDeclineTable(level: 'hourly' | 'daily'): string {
  const time = level === 'hourly' ? 'hour' : 'day';
  return `create table analytics_${level}_channel_declines (
      merchant_id text not null,
      mode text not null,
      ${time} timestamptz not null,
      currency text not null,
      payment_method_type text not null,
      connector_account_id text,
      code text not null,
      attempts bigint not null,
      constraint analytics_${level}_channel_declines_key unique nulls not distinct
        (merchant_id, mode, ${time}, currency, payment_method_type, connector_account_id, code)
    )`;
}

/** 0010's analytics_apply_attempts, with the channel decline counters (when `withChannelDeclines`) or without (to go back down). */
function applyAttempts(withChannelDeclines: boolean): string {
  return `
    create or replace function analytics_apply_attempts(added payment_attempts[], removed payment_attempts[]) returns void
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
      ),${
        withChannelDeclines
          ? `
      hourly_channel_declines as (
        ${channelDeclineUpsert('hourly')}
        returning 1
      ),
      daily_channel_declines as (
        ${channelDeclineUpsert('daily')}
        returning 1
      ),`
          : ''
      }
      hourly_declines as (
        ${declineUpsert('hourly')}
        returning 1
      )
      ${declineUpsert('daily')};
    end $$`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table payment_feedback add column mode text, add column payment_created_at timestamptz`.execute(db);
  await sql`
    update payment_feedback f set mode = p.mode, payment_created_at = p.created_at
      from payments p where p.id = f.payment_id
  `.execute(db);
  await sql`alter table payment_feedback alter column mode set not null, alter column payment_created_at set not null`.execute(db);
  await sql`
    create function payment_feedback_copy_payment() returns trigger language plpgsql as $$
    begin
      select p.mode, p.created_at into strict new.mode, new.payment_created_at from payments p where p.id = new.payment_id;
      return new;
    end
    $$
  `.execute(db);
  await sql`
    create trigger payment_feedback_copy_payment before insert or update of payment_id on payment_feedback
      for each row execute function payment_feedback_copy_payment()
  `.execute(db);
  await sql`create index payment_feedback_by_payment_time on payment_feedback (merchant_id, mode, payment_created_at) include (rating, nps_score)`.execute(db);

  // New changes wait (their triggers append to analytics_changes) until this commits; the ones already noted are folded now.
  await sql`lock table analytics_changes in share row exclusive mode`.execute(db);
  for (;;) {
    const folded = await sql<{ folded: number }>`select analytics_fold(null, 10000) as folded`.execute(db);
    if ((folded.rows[0]?.folded ?? 0) === 0) break;
  }
  await sql.raw(channelDeclineTable('hourly')).execute(db);
  await sql.raw(channelDeclineTable('daily')).execute(db);
  await sql.raw(applyAttempts(true)).execute(db);
  // Every counted attempt is folded now: count them, through their payment's facts (its hour and currency), as the fold does.
  for (const [level, time] of [['hourly', 'f.hour'], ['daily', 'analytics_day(f.hour)']] as const) {
    await sql.raw(`
      insert into analytics_${level}_channel_declines (merchant_id, mode, ${level === 'hourly' ? 'hour' : 'day'}, currency, payment_method_type, connector_account_id, code, attempts)
      select f.merchant_id, f.mode, ${time}, f.currency, a.payment_method_type, a.connector_account_id, analytics_decline_code(a), count(*)
        from payment_attempts a join analytics_payment_facts f on f.payment_id = a.payment_id
       where analytics_attempt_counted(a) and a.status = 'failed'
       group by 1, 2, 3, 4, 5, 6, 7
    `).execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw(applyAttempts(false)).execute(db);
  await sql`drop table if exists analytics_hourly_channel_declines, analytics_daily_channel_declines`.execute(db);
  await sql`drop index if exists payment_feedback_by_payment_time`.execute(db);
  await sql`drop trigger if exists payment_feedback_copy_payment on payment_feedback`.execute(db);
  await sql`drop function if exists payment_feedback_copy_payment()`.execute(db);
  await sql`alter table payment_feedback drop column if exists payment_created_at, drop column if exists mode`.execute(db);
}
