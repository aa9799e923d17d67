/**
 * Alert rules, alerts and connector incidents, and the window statistics the
 * rules are judged on, counted straight from payments and payment_attempts
 * (windows are minutes to hours: range scans on indexed columns, migration
 * 0012).
 *
 * Raising and resolving are single statements that change the alert only if
 * nobody did it first (the partial unique index "one open alert per rule",
 * and `where state = 'triggered'`), and write the alert's event, and its
 * incident, in the same statement: the events outbox then delivers it.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';
import type { AlertRow, AlertRuleRow, AlertRulesTable, ConnectorIncidentRow } from './schema.ts';

// ---------------------------------------------------------------- statistics

/** Which attempts or payments a rule looks at. */
export interface RuleScope {
  merchantId: string;
  mode: string;
  paymentMethodType: string | null;
  connectorAccountId: string | null;
}

export interface BucketCount {
  /** 0: the current window [to − window, to); 1: the one before, … */
  bucket: number;
  count: number;
  bad: number;
}

function attemptsWhere(scope: RuleScope, from: Date, to: Date) {
  return sql`a.merchant_id = ${scope.merchantId} and a.operation = 'authorize' and a.status in ('succeeded', 'failed')
     and a.completed_at >= ${from}::timestamptz and a.completed_at < ${to}::timestamptz and p.mode = ${scope.mode}
     ${scope.paymentMethodType ? sql`and a.payment_method_type = ${scope.paymentMethodType}` : sql``}
     ${scope.connectorAccountId ? sql`and a.connector_account_id = ${scope.connectorAccountId}` : sql``}`;
}

function paymentsWhere(scope: RuleScope, from: Date, to: Date) {
  return sql`p.merchant_id = ${scope.merchantId} and p.mode = ${scope.mode}
     and p.created_at >= ${from}::timestamptz and p.created_at < ${to}::timestamptz
     ${scope.paymentMethodType ? sql`and p.payment_method ->> 'type' = ${scope.paymentMethodType}` : sql``}`;
}

/**
 * Completed authorize attempts (succeeded or failed) and the failed ones, in
 * `buckets` consecutive windows of `windowMs` ending at `to`, newest first.
 */
export async function countAttemptFailures(db: Db, scope: RuleScope, to: Date, windowMs: number, buckets: number): Promise<BucketCount[]> {
  const from = new Date(to.getTime() - windowMs * buckets);
  const result = await sql<{ bucket: number; count: number; bad: number }>`
    select floor(extract(epoch from (${to}::timestamptz - a.completed_at)) * 1000 / ${windowMs})::int as bucket,
           count(*)::int as count, (count(*) filter (where a.status = 'failed'))::int as bad
      from payment_attempts a join payments p on p.id = a.payment_id
     where ${attemptsWhere(scope, from, to)}
     group by 1
  `.execute(db);
  return fillBuckets(result.rows, buckets);
}

/** Payments created in each window and how many of them are canceled now (any reason). */
export async function countCancellations(db: Db, scope: RuleScope, to: Date, windowMs: number, buckets: number): Promise<BucketCount[]> {
  const from = new Date(to.getTime() - windowMs * buckets);
  const result = await sql<{ bucket: number; count: number; bad: number }>`
    select floor(extract(epoch from (${to}::timestamptz - p.created_at)) * 1000 / ${windowMs})::int as bucket,
           count(*)::int as count, (count(*) filter (where p.status = 'canceled'))::int as bad
      from payments p
     where ${paymentsWhere(scope, from, to)}
     group by 1
  `.execute(db);
  return fillBuckets(result.rows, buckets);
}

function fillBuckets(rows: readonly BucketCount[], buckets: number): BucketCount[] {
  return Array.from({ length: buckets }, (_, bucket) => {
    const row = rows.find((r) => r.bucket === bucket);
    return { bucket, count: row?.count ?? 0, bad: row?.bad ?? 0 };
  });
}

/** The attempts' latency over one window: how many have one, and their 95th percentile (continuous), ms. */
export async function measureAttemptLatency(db: Db, scope: RuleScope, from: Date, to: Date): Promise<{ count: number; p95Ms: number | null }> {
  const result = await sql<{ count: number; p95: number | null }>`
    select count(a.latency_ms)::int as count, percentile_cont(0.95) within group (order by a.latency_ms) as p95
      from payment_attempts a join payments p on p.id = a.payment_id
     where ${attemptsWhere(scope, from, to)}
  `.execute(db);
  const row = result.rows[0];
  return { count: row?.count ?? 0, p95Ms: row?.p95 === null || row?.p95 === undefined ? null : Number(row.p95) };
}

export type ObservationKind = 'failed' | 'canceled' | { slowerThanMs: number };

/** The window's observations, oldest first, each bad or not (at most `rowsMax`, the newest): for a condition's onset. */
export async function listObservations(db: Db, scope: RuleScope, from: Date, to: Date, kind: ObservationKind, rowsMax: number): Promise<{ atMs: number; bad: boolean }[]> {
  const rows =
    kind === 'canceled'
      ? (
          await sql<{ at: Date; bad: boolean }>`
            select p.created_at as at, p.status = 'canceled' as bad from payments p
             where ${paymentsWhere(scope, from, to)} order by p.created_at desc limit ${rowsMax}
          `.execute(db)
        ).rows
      : (
          await sql<{ at: Date; bad: boolean }>`
            select a.completed_at as at,
                   ${kind === 'failed' ? sql`a.status = 'failed'` : sql`coalesce(a.latency_ms > ${kind.slowerThanMs}, false)`} as bad
              from payment_attempts a join payments p on p.id = a.payment_id
             where ${attemptsWhere(scope, from, to)} order by a.completed_at desc limit ${rowsMax}
          `.execute(db)
        ).rows;
  return rows.reverse().map((row) => ({ atMs: row.at.getTime(), bad: row.bad }));
}

/** The account with the most failed attempts in the window (the one a channel's incident is charged to). */
export async function mostFailingAccount(db: Db, scope: RuleScope, from: Date, to: Date): Promise<string | null> {
  const result = await sql<{ account: string }>`
    select a.connector_account_id as account
      from payment_attempts a join payments p on p.id = a.payment_id
     where ${attemptsWhere(scope, from, to)} and a.status = 'failed' and a.connector_account_id is not null
     group by 1 order by count(*) desc, 1 limit 1
  `.execute(db);
  return result.rows[0]?.account ?? null;
}

export async function openCircuitIncidents(db: Db, scope: RuleScope): Promise<{ count: number; earliest: Date | null }> {
  let query = db
    .selectFrom('connector_incidents')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('started_at').as('earliest')])
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode as 'test' | 'live')
    .where('kind', '=', 'circuit_open')
    .where('ended_at', 'is', null);
  if (scope.paymentMethodType) query = query.where('payment_method_type', '=', scope.paymentMethodType);
  if (scope.connectorAccountId) query = query.where('connector_account_id', '=', scope.connectorAccountId);
  const row = await query.executeTakeFirstOrThrow();
  return { count: Number(row.count), earliest: (row.earliest as Date | null) ?? null };
}

// ---------------------------------------------------------------- rules

export type NewAlertRule = Omit<AlertRuleRow, 'deleted_at'>;

export async function insertRule(db: Db, rule: NewAlertRule): Promise<AlertRuleRow> {
  return db.insertInto('alert_rules').values({ ...rule, deleted_at: null }).returningAll().executeTakeFirstOrThrow();
}

export async function countRules(db: Db, scope: Scope): Promise<number> {
  const row = await db
    .selectFrom('alert_rules')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function findRule(db: Db, scope: Scope, id: string): Promise<AlertRuleRow | undefined> {
  return db
    .selectFrom('alert_rules')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function listRules(db: Db, scope: Scope, page: { startingAfter?: string; limit: number }): Promise<{ data: AlertRuleRow[]; hasMore: boolean }> {
  let query = db.selectFrom('alert_rules').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).where('deleted_at', 'is', null);
  if (page.startingAfter) query = query.where('id', '<', page.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(page.limit + 1).execute();
  return { data: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

export type RuleChange = Partial<Pick<AlertRulesTable, 'enabled' | 'threshold' | 'baseline_k_stddev' | 'baseline_windows' | 'min_sample' | 'window_seconds' | 'description'>>;

export async function updateRule(db: Db, scope: Scope, id: string, change: RuleChange, now: Date): Promise<AlertRuleRow | undefined> {
  return db
    .updateTable('alert_rules')
    .set({ ...change, updated_at: now })
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteRule(db: Db, scope: Scope, id: string, now: Date): Promise<AlertRuleRow | undefined> {
  return db
    .updateTable('alert_rules')
    .set({ deleted_at: now, enabled: false, updated_at: now })
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Every merchant's enabled rules, by id after `afterId`: the evaluation walks them in pages. */
export async function listEnabledRules(db: Db, afterId: string | null, limit: number): Promise<AlertRuleRow[]> {
  let query = db.selectFrom('alert_rules').selectAll().where('enabled', '=', true).where('deleted_at', 'is', null);
  if (afterId) query = query.where('id', '>', afterId);
  return query.orderBy('id', 'asc').limit(limit).execute();
}

// ---------------------------------------------------------------- alerts

export async function findOpenAlert(db: Db, rule: { merchantId: string; id: string }): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('merchant_id', '=', rule.merchantId).where('rule_id', '=', rule.id).where('state', '=', 'triggered').executeTakeFirst();
}

export async function findAlert(db: Db, scope: Scope, id: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode).executeTakeFirst();
}

export async function listAlerts(
  db: Db,
  scope: Scope,
  filter: { state?: 'triggered' | 'resolved'; rule?: string; startingAfter?: string; limit: number },
): Promise<{ data: AlertRow[]; hasMore: boolean }> {
  let query = db.selectFrom('alerts').selectAll().where('merchant_id', '=', scope.merchantId).where('mode', '=', scope.mode);
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.rule) query = query.where('rule_id', '=', filter.rule);
  if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

export type NewAlert = Omit<AlertRow, 'acknowledged_at' | 'resolved_at' | 'resolved_value' | 'resolution' | 'state' | 'created_at' | 'updated_at'> & { triggered_at: Date; onset_at: Date };

/**
 * Raises the rule's alert unless one is open, with its `alert.triggered`
 * event and (for a failure rate) its incident, in one statement. Answers the
 * alert, or null when another evaluation raised one first.
 */
export async function raiseAlert(
  db: Db,
  alert: NewAlert,
  event: { id: string; data: unknown },
  incident: { id: string; connectorAccountId: string | null } | null,
): Promise<AlertRow | null> {
  const result = await sql<AlertRow>`
    with raised as (
      insert into alerts (id, rule_id, merchant_id, mode, kind, payment_method_type, connector_account_id, state, value, threshold,
                          sample_count, onset_at, triggered_at, created_at, updated_at)
      values (${alert.id}, ${alert.rule_id}, ${alert.merchant_id}, ${alert.mode}, ${alert.kind}, ${alert.payment_method_type},
              ${alert.connector_account_id}, 'triggered', ${alert.value}, ${alert.threshold}, ${alert.sample_count},
              ${alert.onset_at}::timestamptz, ${alert.triggered_at}::timestamptz, ${alert.triggered_at}::timestamptz, ${alert.triggered_at}::timestamptz)
      on conflict do nothing
      returning *
    ),
    event as (
      insert into events (id, merchant_id, mode, type, object_id, data, created_at)
      select ${event.id}, merchant_id, mode, 'alert.triggered', id, ${JSON.stringify(event.data)}::jsonb, triggered_at from raised
    ),
    incident as (
      insert into connector_incidents (id, merchant_id, mode, kind, connector_account_id, payment_method_type, alert_id, started_at, created_at)
      select ${incident?.id ?? null}, merchant_id, mode, 'success_rate_alert', ${incident?.connectorAccountId ?? null}, payment_method_type, id,
             onset_at, triggered_at
        from raised where ${incident !== null}
    )
    select * from raised
  `.execute(db);
  return result.rows[0] ?? null;
}

/**
 * Resolves an open alert, with its `alert.resolved` event, and ends its
 * incident, in one statement. Answers the alert, or null when it was no
 * longer open (another evaluation resolved it).
 */
export async function resolveAlert(
  db: Db,
  resolution: { merchantId: string; alertId: string; at: Date; value: number | null; resolution: 'recovered' | 'rule_disabled' | 'rule_deleted' },
  event: { id: string; data: unknown },
): Promise<AlertRow | null> {
  const result = await sql<AlertRow>`
    with resolved as (
      update alerts set state = 'resolved', resolved_at = greatest(triggered_at, ${resolution.at}::timestamptz),
                        resolved_value = ${resolution.value}, resolution = ${resolution.resolution}, updated_at = ${resolution.at}::timestamptz
       where merchant_id = ${resolution.merchantId} and id = ${resolution.alertId} and state = 'triggered'
      returning *
    ),
    event as (
      insert into events (id, merchant_id, mode, type, object_id, data, created_at)
      select ${event.id}, merchant_id, mode, 'alert.resolved', id, ${JSON.stringify(event.data)}::jsonb, resolved_at from resolved
    ),
    incident as (
      update connector_incidents set ended_at = greatest(started_at, ${resolution.at}::timestamptz)
       where merchant_id = ${resolution.merchantId} and alert_id in (select id from resolved) and ended_at is null
    )
    select * from resolved
  `.execute(db);
  return result.rows[0] ?? null;
}

/** The first acknowledgement is the one kept: acknowledging again changes nothing. */
export async function acknowledgeAlert(db: Db, scope: Scope, id: string, at: Date): Promise<AlertRow | undefined> {
  return db
    .updateTable('alerts')
    .set((eb) => ({ acknowledged_at: eb.fn.coalesce('acknowledged_at', sql<Date>`${at}::timestamptz`), updated_at: at }))
    .where('id', '=', id)
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .returningAll()
    .executeTakeFirst();
}

// ---------------------------------------------------------------- incidents

/** A circuit opened: its incident, unless one is open for the account already (another process saw it first). */
export async function recordCircuitOpened(db: Db, incidentId: string, connectorAccountId: string, at: Date): Promise<void> {
  await sql`
    insert into connector_incidents (id, merchant_id, mode, kind, connector_account_id, payment_method_type, started_at, created_at)
    select ${incidentId}, merchant_id, mode, 'circuit_open', id, connector, ${at}::timestamptz, ${at}::timestamptz
      from connector_accounts where id = ${connectorAccountId}
    on conflict do nothing
  `.execute(db);
}

export async function recordCircuitClosed(db: Db, account: { id: string; merchantId: string }, at: Date): Promise<void> {
  await sql`
    update connector_incidents set ended_at = greatest(started_at, ${at}::timestamptz)
     where connector_account_id = ${account.id} and merchant_id = ${account.merchantId} and kind = 'circuit_open' and ended_at is null
  `.execute(db);
}

/**
 * Ends open circuit incidents whose account has since taken a payment: its
 * first authorization that succeeded after the breaker's cooldown. This
 * covers a process that stopped (or failed to write) before its breaker
 * closed: the breaker lives in memory, the incident must not stay open for
 * ever. Answers how many ended.
 */
export async function endRecoveredCircuitIncidents(db: Db, cooldownMs: number, now: Date, limit: number): Promise<number> {
  const result = await sql`
    with recovered as (
      select i.id, (select min(a.completed_at) from payment_attempts a
                     where a.merchant_id = i.merchant_id and a.connector_account_id = i.connector_account_id
                       and a.operation = 'authorize' and a.status = 'succeeded' and a.completed_at is not null
                       and a.completed_at >= i.started_at + ${cooldownMs} * interval '1 millisecond'
                       and a.completed_at <= ${now}::timestamptz) as ended_at
        from connector_incidents i
       where i.kind = 'circuit_open' and i.ended_at is null and i.started_at + ${cooldownMs} * interval '1 millisecond' <= ${now}::timestamptz
       order by i.started_at
       limit ${limit}
    )
    update connector_incidents i set ended_at = recovered.ended_at
      from recovered where i.id = recovered.id and recovered.ended_at is not null and i.ended_at is null
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export interface IncidentWithConnector extends ConnectorIncidentRow {
  connector: string | null;
}

/** Incidents that started in [from, to), newest first (at most `limit`), and the exact figures over all of them. */
export async function listIncidents(
  db: Db,
  scope: Scope,
  range: { from: Date; to: Date; limit: number },
): Promise<{ data: IncidentWithConnector[]; hasMore: boolean; count: number; ended: number; meanTimeToRecoverMs: number | null }> {
  const rows = await db
    .selectFrom('connector_incidents as i')
    .leftJoin('connector_accounts as ca', 'ca.id', 'i.connector_account_id')
    .selectAll('i')
    .select('ca.connector as connector')
    .where('i.merchant_id', '=', scope.merchantId)
    .where('i.mode', '=', scope.mode)
    .where('i.started_at', '>=', range.from)
    .where('i.started_at', '<', range.to)
    .orderBy('i.started_at', 'desc')
    .orderBy('i.id', 'desc')
    .limit(range.limit + 1)
    .execute();
  const figures = await sql<{ count: number; ended: number; mttr: number | null }>`
    select count(*)::int as count, count(ended_at)::int as ended,
           avg(extract(epoch from (ended_at - started_at)) * 1000) as mttr
      from connector_incidents
     where merchant_id = ${scope.merchantId} and mode = ${scope.mode}
       and started_at >= ${range.from}::timestamptz and started_at < ${range.to}::timestamptz
  `.execute(db);
  const row = figures.rows[0];
  return {
    data: rows.slice(0, range.limit),
    hasMore: rows.length > range.limit,
    count: row?.count ?? 0,
    ended: row?.ended ?? 0,
    meanTimeToRecoverMs: row?.mttr === null || row?.mttr === undefined ? null : Math.round(Number(row.mttr)),
  };
}

// ---------------------------------------------------------------- operations address

export async function setOperationsEmail(db: Db, merchantId: string, email: string | null): Promise<{ operations_email: string | null; support_email: string | null } | undefined> {
  return db.updateTable('merchants').set({ operations_email: email }).where('id', '=', merchantId).returning(['operations_email', 'support_email']).executeTakeFirst();
}

export async function findAlertRecipient(db: Db, merchantId: string): Promise<{ operations_email: string | null; support_email: string | null; name: string } | undefined> {
  return db.selectFrom('merchants').select(['operations_email', 'support_email', 'name']).where('id', '=', merchantId).executeTakeFirst();
}
