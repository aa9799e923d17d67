/**
 * Circuit breakers shared by every API process: one row per connector
 * account that has ever failed (no row: closed, no failures). A row is
 * written only when something changes (a failure, a circuit opening, a probe
 * leased, a circuit closing), never on an ordinary successful payment, and
 * every change is announced on the `paypilot_invalidation` channel as
 * `connector_breaker:<account id>`, so every process drops what it holds of
 * that account's breaker when, and only if, the change commits.
 *
 * `opened_at` is set exactly while the circuit is open; the half-open probe
 * is a lease (`probe_holder` until `probe_leased_until`) taken in one
 * conditional UPDATE, so of several processes only one probes.
 *
 * Rate limits shared by every API process: one token bucket per limited
 * key (`rate_limit_buckets`), refilled and drawn from in one upsert; each
 * process draws a few tokens at a time (src/flows/rate-limits/shared-rate-limiter.ts).
 *
 * Frozen: imports no application code (the channel and payload format are
 * those of src/store/invalidation.ts, written out here).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table connector_account_breakers (
      account_id text primary key references connector_accounts (id) on delete cascade,
      merchant_id text not null,
      state text not null check (state in ('closed', 'open')),
      failures integer not null default 0 check (failures >= 0),
      opened_at timestamptz,
      probe_holder text,
      probe_leased_until timestamptz,
      updated_at timestamptz not null,
      check ((state = 'open') = (opened_at is not null)),
      check ((probe_holder is null) = (probe_leased_until is null))
    );
    create index connector_account_breakers_by_merchant on connector_account_breakers (merchant_id);

    create function connector_account_breakers_announce() returns trigger language plpgsql as $$
    begin
      perform pg_notify('paypilot_invalidation', 'connector_breaker:' || coalesce(new.account_id, old.account_id));
      return null;
    end
    $$;

    create trigger connector_account_breakers_announce
      after insert or update or delete on connector_account_breakers
      for each row execute function connector_account_breakers_announce();

    create table rate_limit_buckets (
      bucket text primary key,
      tokens double precision not null check (tokens >= 0),
      last_grant integer not null check (last_grant >= 0),
      refilled_at timestamptz not null
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger if exists connector_account_breakers_announce on connector_account_breakers;
    drop function if exists connector_account_breakers_announce();
    drop table if exists connector_account_breakers;
    drop table if exists rate_limit_buckets;
  `.execute(db);
}
