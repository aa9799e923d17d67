/**
 * The tenant-key walk (issue 19 item 5): the path to distributing the data
 * by merchant (Citus, see the README's scaling section) needs every tenant
 * table keyed by `merchant_id` and every tenant query filtered by it. This
 * test walks the migrated schema (information_schema) and the queries of
 * every source file under src/ (their syntax trees, test/support/tenant-queries.ts:
 * the store's, and the few flows, routes and commands that query themselves)
 * and holds both to that rule, with every exception listed and its reason given.
 *
 * The lists are a ratchet: a new table or query that breaks the rule fails
 * the test until it is fixed or listed with a reason, and a listed exception
 * that no longer occurs fails it too, so the lists only shrink. What they
 * hold today is the work of the Citus stage, not a hidden leak: the
 * id-keyed tables' ids are globally unique (prefixed random ids), and each
 * listed query reads or changes rows its caller found through a
 * merchant-scoped read, or is a sweep over every merchant by design.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { tenantQueries } from '../support/tenant-queries.ts';

/** Tables with no merchant: the schema's own bookkeeping and state that exists before any merchant is known. */
const globalTables: Record<string, string> = {
  kysely_migration: 'the migrations applied: one list for the whole database',
  kysely_migration_lock: 'the migration lock: one for the whole database',
  merchants: 'the tenants themselves: `id` is the merchant id (under Citus, distributed by it, or a reference table)',
  rate_limit_buckets: 'rate-limit buckets shared by every API node, keyed by a bucket name (a key or an address), read before a merchant is known',
  console_sign_in_addresses: 'failed sign-ins per client address, counted before the member (and so the merchant) is known',
  worker_heartbeats: 'one row per running worker process (readiness): processes, not merchants',
  api_nodes: 'one row per running API process (the holders of in-progress idempotency keys): processes, not merchants',
  event_stream_publishers: 'the worker processes registered to publish the event stream (a lease): processes, not merchants',
  comment_analysis_queue: 'comments waiting for the worker, by source and id only (a rating, a cancellation record or a support request: parents in three tables); the analysis it leads to carries merchant_id',
  tenant_key_backfills: 'where the worker\'s backfill of migration 0058 stands: one row per table, not per merchant',
};

/** Tables without `merchant_id` whose rows belong to one row of a tenant table, through the named column. */
const childTables: Record<string, { parent: string; through: string }> = {};

/**
 * Children of a tenant row (as above) that migration 0058 gave a nullable `merchant_id` (the expand step of
 * docs/migrations.md rule 3): the application writes it on every insert, the migration's trigger fills it for the
 * previous version's, and the worker's backfill (jobs: backfill_tenant_keys) for the rows from before. Until that
 * backfill is done an old row may still read null, so their keys do not include merchant_id yet and queries on them
 * do not filter by it; both change in the release after the backfill (rule 3's switch, then `not null` under
 * `@contract`), which takes them off this list.
 */
const expandedChildTables: Record<string, { parent: string; through: string }> = {
  console_recovery_codes: { parent: 'console_members', through: 'member_id' },
  console_tokens: { parent: 'console_members', through: 'member_id' },
  coupon_code_tries: { parent: 'payments', through: 'payment_id' },
  coupon_customer_holds: { parent: 'coupons', through: 'coupon_id' },
  experiment_exposures: { parent: 'experiments', through: 'experiment_id' },
  support_messages: { parent: 'support_requests', through: 'request_id' },
  support_request_events: { parent: 'support_requests', through: 'request_id' },
  idempotency_keys: { parent: 'api_keys', through: 'api_key_id' },
  ledger_entries: { parent: 'ledger_transactions', through: 'transaction_id' },
  payment_expiry_retries: { parent: 'payments', through: 'payment_id' },
  payment_expiry_watch: { parent: 'payments', through: 'payment_id' },
  provider_notifications: { parent: 'connector_accounts', through: 'connector_account_id' },
  reconciliation_mismatches: { parent: 'connector_accounts', through: 'connector_account_id' },
  wallet_pins: { parent: 'customers', through: 'customer_id' },
  webhook_delivery_attempts: { parent: 'webhook_deliveries', through: 'delivery_id' },
};

/**
 * Tenant tables keyed by a globally unique id (or a payment's id) alone. Their
 * rows carry `merchant_id` and every id is unique across merchants, so no
 * row can be taken for another merchant's; but Citus needs the distribution
 * column in every primary and unique key, so the Citus stage changes each to
 * (merchant_id, id), and the foreign keys to them to (merchant_id, …_id),
 * after adding merchant_id to the child tables above. Not done in place: a
 * key change rewrites every foreign key and `on conflict (id)` of these
 * tables at once, which is that stage's migration, not a side effect of this test.
 */
const keyedByGlobalId = [
  'after_sales_requests', 'alert_rules', 'alerts', 'analytics_changes', 'analytics_payment_facts', 'api_keys',
  'api_request_log', 'archived_cancellation_records', 'archived_funnel_events', 'archived_payment_events',
  'cancellation_records', 'comment_analyses', 'connector_account_breakers', 'connector_accounts', 'connector_incidents',
  'console_members', 'console_sessions', 'coupon_redemptions', 'coupons', 'customer_verifications', 'customers',
  'event_stream_outbox', 'events', 'experiments', 'faq_entries', 'faq_searches', 'fulfillment_events', 'funnel_events', 'late_payment_refunds', 'ledger_accounts', 'ledger_transactions',
  'messages', 'nps_surveys', 'payment_attempts', 'payment_events', 'payment_feedback', 'payments', 'points_lots', 'points_payments',
  'payment_disputes', 'payment_fraud_marks', 'refunds', 'risk_blocklist_entries', 'risk_decisions', 'risk_reviews', 'risk_rules', 'support_requests', 'webhook_deliveries', 'webhook_endpoints',
];

/**
 * Store queries on tenant tables that do not filter by `merchant_id`, by
 * reason, as `file function table:kind` → how many such queries it holds.
 */
const unscopedQueries: Record<'sweep' | 'idAlone' | 'member' | 'byId', Record<string, number>> = {
  /** The worker's sweeps over every merchant (due deliveries, unresolved outcomes, pruning, the ledger check): global by design; under Citus they fan out to every shard. */
  sweep: {
    'alerts.ts listEnabledRules alert_rules:select': 1,
    'analytics.ts analyticsFoldBacklog analytics_changes:select': 1,
    // The comments the analysis worker took from the queue of every merchant (comment_analysis_queue holds source and id only).
    'comment-analyses.ts loadQueuedComments cancellation_records:select': 1,
    'comment-analyses.ts loadQueuedComments payment_feedback:select': 1,
    'console/request-log.ts pruneRequestLog api_request_log:delete': 1,
    'event-stream.ts completePublications event_stream_outbox:delete': 1,
    'event-stream.ts countOwedPublications event_stream_outbox:select': 1,
    'event-stream.ts unregisterPublisher event_stream_outbox:delete': 1,
    'expiry-retries.ts findDueExpiredPaymentIds payment_expiry_retries:select': 1,
    'expiry-retries.ts findDueExpiredPaymentIds payment_expiry_watch:select': 1,
    'expiry-retries.ts findDueExpiredPaymentIds payments:select': 1,
    'expiry-retries.ts pruneExpiryWatch payment_expiry_watch:delete': 1,
    'expiry-retries.ts pruneExpiryWatch payment_expiry_watch:select': 1,
    'expiry-retries.ts pruneExpiryWatch payments:select': 1,
    'idempotency.ts deleteExpiredIdempotencyKeys idempotency_keys:delete': 1,
    'idempotency.ts deleteExpiredIdempotencyKeys idempotency_keys:select': 1,
    'ledger.ts verifyLedger ledger_accounts:select': 3,
    'ledger.ts verifyLedger ledger_entries:select': 4,
    'ledger.ts verifyLedger ledger_transactions:select': 2,
    'messages.ts findDueMessages messages:select': 1,
    'payments.ts findUnresolvedAttempts payment_attempts:select': 1,
    'refunds.ts findUnresolvedRefunds refunds:select': 1,
    'support/faq.ts deleteFaqSearchesBefore faq_searches:delete': 1,
    'support/faq.ts deleteFaqSearchesBefore faq_searches:select': 1,
    'webhooks.ts findDueDeliveries webhook_deliveries:select': 1,
    // The metrics endpoint's gauges (deliveries and messages due, outcomes and refunds unsettled): counts over every merchant by design.
    'src/observability/metrics.ts metricsText messages:select': 1,
    'src/observability/metrics.ts metricsText payment_attempts:select': 1,
    'src/observability/metrics.ts metricsText refunds:select': 1,
    'src/observability/metrics.ts metricsText webhook_deliveries:select': 1,
  },
  /**
   * A row by its id where nothing else is known, the row then telling the merchant: a connector account named by a provider's
   * notification (its URL, /v1/notify/:account) or the operator's reconcile command; a payment named by the payer's link
   * (checkout and order pages, which check its client secret or token) or by the expiry sweep (which finds ids).
   */
  idAlone: {
    'connector-accounts.ts findConnectorAccountOfAnyMerchant connector_accounts:select': 1,
    'payments.ts findPaymentOfAnyMerchant payments:select': 1,
  },
  /** Console members and sessions, by member id, session token or email: sign-in finds the member before its merchant is known; a member belongs to one merchant. */
  member: {
    'console/members.ts disableTotp console_members:update': 1,
    'console/members.ts enableTotp console_members:update': 1,
    'console/members.ts findMemberById console_members:select': 1,
    'console/members.ts forgiveSignInTries console_members:update': 1,
    'console/members.ts reserveSignInTry console_members:select': 1,
    'console/members.ts reserveSignInTry console_members:update': 1,
    'console/members.ts returnSignInTry console_members:update': 1,
    'console/members.ts setPendingTotp console_members:update': 1,
    'console/members.ts takeTotpStep console_members:update': 1,
    'console/members.ts updateMember console_members:update': 1,
    'console/sessions.ts endMemberSessions console_sessions:update': 1,
    'console/sessions.ts endSession console_sessions:update': 1,
    'console/sessions.ts touchSession console_members:select': 2,
    'console/sessions.ts touchSession console_sessions:update': 1,
  },
  /** By the globally unique id of a row the use case already found through a merchant-scoped read (a payment, refund, attempt, message, delivery …). */
  byId: {
    // The payment path's reads and writes by key alone, the merchant checked on the row (findPaymentById, findPaymentToConfirm):
    // with merchant_id in them their generic plans cost PostgreSQL 1 ms more per payment (store/payments.ts says how it was measured).
    'payments.ts amountRefunded refunds:select': 1,
    'payments.ts selectPayments payments:select': 1,
    'payments.ts updateAttemptSql payment_attempts:update': 1,
    // The payer's emailed link names the survey and its token, not the merchant; the answer is then written through the survey's merchant.
    'support/surveys.ts findSurvey nps_surveys:select': 1,
    // A delivery job queued before migration 0061 (the events trigger named the delivery alone until then) or by the previous version
    // during a rolling deploy. Every job queued since carries the merchant; this goes in the release after.
    'webhooks.ts claimDeliveryById webhook_deliveries:update': 1,
    // The same for a provider notification: an apply_notification job queued before this release or by the previous version
    // during a rolling deploy names the notification alone. Every job queued since carries the merchant; this goes in the release after.
    'notifications.ts merchantOfNotification provider_notifications:select': 1,
  },
};

let database: DatabaseHandle;
beforeAll(() => {
  database = openDatabase(inject('databaseUrl'), { poolSize: 2 });
});
afterAll(async () => {
  await database.close();
});

async function tenantTablesOf(): Promise<{ tables: Map<string, { columns: Set<string>; primaryKey: string[] }> }> {
  const columns = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name
      from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
     where c.table_schema = 'public' and t.table_type = 'BASE TABLE'`.execute(database.db);
  const keys = await sql<{ table_name: string; column_name: string }>`
    select k.table_name, k.column_name
      from information_schema.table_constraints c
      join information_schema.key_column_usage k using (constraint_schema, constraint_name, table_name)
     where c.table_schema = 'public' and c.constraint_type = 'PRIMARY KEY'
     order by k.table_name, k.ordinal_position`.execute(database.db);
  const tables = new Map<string, { columns: Set<string>; primaryKey: string[] }>();
  for (const row of columns.rows) {
    const table = tables.get(row.table_name) ?? { columns: new Set<string>(), primaryKey: [] };
    table.columns.add(row.column_name);
    tables.set(row.table_name, table);
  }
  for (const row of keys.rows) tables.get(row.table_name)?.primaryKey.push(row.column_name);
  return { tables };
}

/** Tables without a primary key whose rows are told apart by a unique index that includes merchant_id (the analytics channel rollups). */
async function uniquelyIndexedByMerchant(): Promise<Set<string>> {
  const result = await sql<{ table_name: string }>`
    select distinct c.relname as table_name
      from pg_index i join pg_class c on c.oid = i.indrelid join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey)
     where c.relnamespace = 'public'::regnamespace and i.indisunique and a.attname = 'merchant_id'`.execute(database.db);
  return new Set(result.rows.map((row) => row.table_name));
}

describe('tenant keys: the way to distributing by merchant', () => {
  it('every tenant table carries merchant_id in its key, or is a listed exception with its reason', async () => {
    const { tables } = await tenantTablesOf();
    const uniqueByMerchant = await uniquelyIndexedByMerchant();
    const problems: string[] = [];
    const stillListed = new Set(keyedByGlobalId);
    for (const [name, table] of [...tables].sort(([a], [b]) => a.localeCompare(b))) {
      if (!table.columns.has('merchant_id')) {
        const child = childTables[name];
        if (globalTables[name]) continue;
        if (expandedChildTables[name]) problems.push(`${name}: listed as expanded by migration 0058, but it has no merchant_id`);
        else if (!child) problems.push(`${name}: no merchant_id, and neither a listed global table nor a listed child of a tenant table`);
        else if (!table.columns.has(child.through) || !tables.get(child.parent)?.columns.has('merchant_id')) problems.push(`${name}: listed as a child of ${child.parent} through ${child.through}, which does not hold`);
        continue;
      }
      const keyed = table.primaryKey.includes('merchant_id') || (table.primaryKey.length === 0 && uniqueByMerchant.has(name));
      const expanded = expandedChildTables[name];
      if (expanded) {
        if (keyed) problems.push(`${name}: now keyed by merchant_id; take it off expandedChildTables`);
        else if (!table.columns.has(expanded.through) || !tables.get(expanded.parent)?.columns.has('merchant_id')) problems.push(`${name}: listed as a child of ${expanded.parent} through ${expanded.through}, which does not hold`);
        continue;
      }
      if (keyed) {
        if (stillListed.has(name)) problems.push(`${name}: now keyed by merchant_id; take it off keyedByGlobalId`);
      } else if (!stillListed.has(name)) {
        problems.push(`${name}: a tenant table keyed by (${table.primaryKey.join(', ') || 'nothing'}) without merchant_id; key it by (merchant_id, …) or list it with the reason`);
      }
      stillListed.delete(name);
    }
    for (const name of stillListed) problems.push(`${name}: listed in keyedByGlobalId but not a tenant table any more`);
    for (const name of [...Object.keys(globalTables), ...Object.keys(childTables), ...Object.keys(expandedChildTables)]) if (!tables.has(name)) problems.push(`${name}: listed, but there is no such table`);
    expect(problems).toEqual([]);
  });

  it('every store query on a tenant table filters by merchant_id, or is a listed exception with its reason', async () => {
    const { tables } = await tenantTablesOf();
    const tenant = new Set([...tables].filter(([, table]) => table.columns.has('merchant_id')).map(([name]) => name));
    const root = path.resolve(import.meta.dirname, '../..');
    const queries = tenantQueries(root, tenant);
    // The walk finds the store's queries: a broken walk (no queries, or none scoped) must not pass as "nothing to report".
    expect(queries.length).toBeGreaterThan(200);
    expect(queries.filter((query) => query.scoped).length).toBeGreaterThan(100);
    const found = new Map<string, number>();
    for (const query of queries.filter((q) => !q.scoped)) {
      const key = `${query.file.replace(/^src\/store\//, '')} ${query.owner} ${query.table}:${query.kind}`;
      found.set(key, (found.get(key) ?? 0) + 1);
    }
    const listed = new Map(Object.values(unscopedQueries).flatMap((group) => Object.entries(group)));
    const problems: string[] = [];
    for (const [key, count] of found) {
      const allowed = listed.get(key) ?? 0;
      if (count > allowed) problems.push(`${key}: ${count} quer${count === 1 ? 'y' : 'ies'} without merchant_id (${allowed} listed); filter by merchant_id or list it under its reason`);
    }
    for (const [key, allowed] of listed) {
      if ((found.get(key) ?? 0) < allowed) problems.push(`${key}: listed ${allowed}, found ${found.get(key) ?? 0}; take it off the list`);
    }
    expect(problems).toEqual([]);
  });

  it('the walk tells a scoped query from an unscoped one', async () => {
    // The two shapes the walk must tell apart, read from a real store file each: a chain with the filter, one without.
    const root = path.resolve(import.meta.dirname, '../..');
    const queries = tenantQueries(root, new Set(['payments', 'payment_attempts']));
    expect(queries.find((q) => q.file === 'src/store/payments.ts' && q.owner === 'findUnresolvedAttempts')?.scoped).toBe(false);
    expect(queries.some((q) => q.file === 'src/store/payments.ts' && q.table === 'payments' && q.scoped)).toBe(true);
    // A sweep that reads each row's merchant_id (to act in its merchant) but filters by none is not scoped.
    const sweeps = tenantQueries(root, new Set(['webhook_deliveries']));
    expect(sweeps.find((q) => q.file === 'src/store/webhooks.ts' && q.owner === 'findDueDeliveries')?.scoped).toBe(false);
  });
});
