/**
 * Alert rules, alerts and connector incidents.
 *
 * - `alert_rules`: what a merchant wants to be told about (a rate of a channel
 *   over a window above a threshold or above its own baseline, a latency p95
 *   above a bound, a circuit opened), evaluated by the worker every minute.
 * - `alerts`: one per episode of a rule's condition. At most one is open
 *   (`triggered`) per rule: the partial unique index is what makes "raised
 *   once" hold when two workers evaluate at the same moment. The condition's
 *   onset is kept so time to detect = triggered_at − onset_at.
 * - `connector_incidents`: a connector account's circuit opened → closed, or
 *   a failure-rate alert on a channel, with start and end; at most one open
 *   circuit incident per account, one incident per alert.
 * - merchants gain `operations_email` (alerts go there, else to support_email).
 * - two indexes make the evaluation's window queries range scans.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table merchants add column operations_email text;

    create table alert_rules (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      kind text not null check (kind in ('failure_rate', 'cancellation_rate', 'latency_p95', 'circuit_opened')),
      payment_method_type text,
      connector_account_id text references connector_accounts (id),
      window_seconds integer not null check (window_seconds > 0),
      threshold double precision,
      baseline_k_stddev double precision check (baseline_k_stddev is null or baseline_k_stddev > 0),
      baseline_windows integer not null check (baseline_windows > 0),
      min_sample integer not null check (min_sample > 0),
      enabled boolean not null,
      description text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      deleted_at timestamptz
    );
    create index alert_rules_by_merchant on alert_rules (merchant_id, mode, id desc) where deleted_at is null;
    create index alert_rules_enabled on alert_rules (id) where enabled and deleted_at is null;

    create table alerts (
      id text primary key,
      rule_id text not null references alert_rules (id),
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      kind text not null,
      payment_method_type text,
      connector_account_id text,
      state text not null check (state in ('triggered', 'resolved')),
      value double precision not null,
      threshold double precision not null,
      sample_count integer not null,
      onset_at timestamptz not null,
      triggered_at timestamptz not null,
      acknowledged_at timestamptz,
      resolved_at timestamptz,
      resolved_value double precision,
      resolution text check (resolution in ('recovered', 'rule_disabled', 'rule_deleted')),
      created_at timestamptz not null,
      updated_at timestamptz not null,
      check (onset_at <= triggered_at),
      check ((state = 'resolved') = (resolved_at is not null))
    );
    create unique index alerts_one_open_per_rule on alerts (rule_id) where state = 'triggered';
    create index alerts_by_merchant on alerts (merchant_id, mode, id desc);

    create table connector_incidents (
      id text primary key,
      merchant_id text not null references merchants (id),
      mode text not null check (mode in ('test', 'live')),
      kind text not null check (kind in ('circuit_open', 'success_rate_alert')),
      connector_account_id text references connector_accounts (id),
      payment_method_type text,
      alert_id text references alerts (id),
      started_at timestamptz not null,
      ended_at timestamptz,
      created_at timestamptz not null,
      check (ended_at is null or ended_at >= started_at),
      check (kind <> 'circuit_open' or (connector_account_id is not null and alert_id is null)),
      check (kind <> 'success_rate_alert' or alert_id is not null)
    );
    create unique index connector_incidents_one_open_circuit on connector_incidents (connector_account_id)
      where kind = 'circuit_open' and ended_at is null;
    create unique index connector_incidents_by_alert on connector_incidents (alert_id) where alert_id is not null;
    create index connector_incidents_by_merchant on connector_incidents (merchant_id, mode, started_at);

    create index payment_attempts_authorize_by_merchant_completed on payment_attempts (merchant_id, completed_at)
      where operation = 'authorize' and completed_at is not null;
    create index payments_by_merchant_created on payments (merchant_id, mode, created_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists payments_by_merchant_created;
    drop index if exists payment_attempts_authorize_by_merchant_completed;
    drop table if exists connector_incidents, alerts, alert_rules;
    alter table merchants drop column if exists operations_email;
  `.execute(db);
}
