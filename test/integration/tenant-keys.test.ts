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
 * hold today is not a hidden leak: each listed query reads or changes rows its caller found
 * through a merchant-scoped read, or is a sweep over every merchant by design.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
};

/** Tenant tables without any unique key, by design (Citus distributes a table by merchant_id without one). */
const keylessTables: Record<string, string> = {
  payment_expiry_watch: 'a watch list of payments to expire, written on the payment path and read only through its expiry index and pruned: a key would cost every payment an index entry no read uses',
};

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

interface UniqueKey { table: string; index: string; primary: boolean; columns: string[]; predicate: string }

/** Every unique index of a table in the public schema (primary keys included), its columns in order and its predicate. */
async function uniqueKeysOf(): Promise<UniqueKey[]> {
  const result = await sql<{ table_name: string; index_name: string; primary: boolean; columns: string[]; predicate: string | null }>`
    select c.relname as table_name, ic.relname as index_name, i.indisprimary as primary,
           array(select a.attname::text from unnest(i.indkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum order by k.ord) as columns,
           pg_get_expr(i.indpred, i.indrelid) as predicate
      from pg_index i join pg_class c on c.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and i.indisunique`.execute(database.db);
  return result.rows.map((row) => ({ table: row.table_name, index: row.index_name, primary: row.primary, columns: row.columns, predicate: row.predicate ?? '' }));
}

/** Foreign keys between two tables of the public schema: their columns on each side. */
async function foreignKeysOf(): Promise<{ name: string; table: string; columns: string[]; parent: string; parentColumns: string[] }[]> {
  const result = await sql<{ name: string; table_name: string; columns: string[]; parent: string; parent_columns: string[] }>`
    select k.conname as name, k.conrelid::regclass::text as table_name, k.confrelid::regclass::text as parent,
           array(select a.attname::text from unnest(k.conkey) with ordinality c(attnum, ord)
                   join pg_attribute a on a.attrelid = k.conrelid and a.attnum = c.attnum order by c.ord) as columns,
           array(select a.attname::text from unnest(k.confkey) with ordinality c(attnum, ord)
                   join pg_attribute a on a.attrelid = k.confrelid and a.attnum = c.attnum order by c.ord) as parent_columns
      from pg_constraint k where k.contype = 'f' and k.connamespace = 'public'::regnamespace`.execute(database.db);
  return result.rows.map((row) => ({ name: row.name, table: row.table_name, columns: row.columns, parent: row.parent, parentColumns: row.parent_columns }));
}

/**
 * What the source files under src/ (migrations aside) name as an upsert's target: column lists, in `on conflict (…)` (SQL)
 * or `onConflict((oc) => oc.column(…) / .columns([…]))` (Kysely), and constraints, in `on conflict on constraint …` or
 * `oc.constraint(…)`.
 */
function conflictTargets(root: string): { targets: { file: string; columns: string[] }[]; constraints: { file: string; name: string }[] } {
  const targets: { file: string; columns: string[] }[] = [];
  const constraints: { file: string; name: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'migrations') walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const text = readFileSync(full, 'utf8');
        const file = path.relative(root, full);
        for (const match of text.matchAll(/on conflict\s*\(([^)]*)\)/gi)) targets.push({ file, columns: match[1]!.split(',').map((c) => c.trim()) });
        for (const match of text.matchAll(/onConflict\(\(\w+\)\s*=>\s*\w+\s*\.(?:column\('([^']+)'\)|columns\(\[([^\]]*)\]\))/g)) {
          targets.push({ file, columns: match[1] ? [match[1]] : match[2]!.split(',').map((c) => c.trim().replace(/^'|'$/g, '')) });
        }
        for (const match of text.matchAll(/on conflict on constraint (\w+)|\.constraint\('(\w+)'\)/gi)) constraints.push({ file, name: (match[1] ?? match[2])! });
      }
    }
  };
  walk(path.join(root, 'src'));
  return { targets, constraints };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((column) => b.includes(column));

describe('tenant keys: the way to distributing by merchant', () => {
  it('every tenant table has a key, and every primary and unique key of a tenant table carries merchant_id, or is listed', async () => {
    const { tables } = await tenantTablesOf();
    const keys = await uniqueKeysOf();
    const problems: string[] = [];
    for (const [name, table] of [...tables].sort(([a], [b]) => a.localeCompare(b))) {
      if (!table.columns.has('merchant_id')) {
        if (!globalTables[name]) problems.push(`${name}: no merchant_id, and not a listed global table`);
        continue;
      }
      // Every tenant row can be told apart by a key that includes its merchant: the primary key, or for the analytics
      // rollups (no primary key), a unique index.
      const own = keys.filter((key) => key.table === name);
      if (keylessTables[name]) {
        if (own.length > 0) problems.push(`${name}: listed as keyless, but it has a unique key now; take it off keylessTables`);
        continue;
      }
      if (!own.some((key) => (key.primary || table.primaryKey.length === 0) && key.columns.includes('merchant_id'))) {
        problems.push(`${name}: a tenant table keyed by (${table.primaryKey.join(', ') || 'nothing'}) without merchant_id; key it by (…, merchant_id)`);
      }
      for (const key of own.filter((k) => !k.columns.includes('merchant_id'))) {
        problems.push(`${name}: unique key ${key.index} (${key.columns.join(', ')}) without merchant_id (Citus needs the distribution column in every unique key)`);
      }
    }
    for (const name of [...Object.keys(globalTables), ...Object.keys(keylessTables)]) if (!tables.has(name)) problems.push(`${name}: listed, but there is no such table`);
    expect(problems).toEqual([]);
  });

  it('every foreign key between tenant tables names the merchant on both sides', async () => {
    const { tables } = await tenantTablesOf();
    const problems = (await foreignKeysOf())
      .filter((key) => tables.get(key.table)?.columns.has('merchant_id') && tables.get(key.parent)?.columns.has('merchant_id'))
      .filter((key) => key.parent !== 'merchants')
      .filter((key) => key.columns.indexOf('merchant_id') < 0 || key.columns.indexOf('merchant_id') !== key.parentColumns.indexOf('merchant_id'))
      .map((key) => `${key.name}: (${key.columns.join(', ')}) → ${key.parent} (${key.parentColumns.join(', ')}) does not pair merchant_id with merchant_id`);
    expect(problems).toEqual([]);
  });

  it('every upsert target in the source names a unique key that exists', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const { targets, constraints } = conflictTargets(root);
    // The walk finds the conflict targets: a broken pattern must not pass as "none found".
    expect(targets.length).toBeGreaterThan(10);
    expect(constraints.length).toBeGreaterThan(10);
    const keys = await uniqueKeysOf();
    const problems: string[] = [];
    for (const target of targets) {
      if (!keys.some((key) => sameSet(key.columns, target.columns))) problems.push(`${target.file}: on conflict (${target.columns.join(', ')}) names no unique key`);
    }
    for (const named of constraints) if (!keys.some((key) => key.index === named.name)) problems.push(`${named.file}: on conflict on constraint ${named.name}, which does not exist`);
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
    // A raw statement that only gives merchant_id back (`returning id, merchant_id`) filters nothing either.
    const scratch = mkdtempSync(path.join(tmpdir(), 'tenant-walk-'));
    try {
      mkdirSync(path.join(scratch, 'src'));
      writeFileSync(
        path.join(scratch, 'src', 'raw.ts'),
        [
          'export const unfiltered = (id: string) => sql`update payments set status = 1 where id = ${id} returning id, merchant_id`;',
          'export const filtered = (id: string, m: string) => sql`update payments set status = 1 where id = ${id} and merchant_id = ${m} returning id`;',
          'export const inCte = (id: string) => sql`with moved as (update payments set status = 1 where id = ${id} returning merchant_id) select 1 from moved`;',
        ].join('\n'),
      );
      const raw = tenantQueries(scratch, new Set(['payments']));
      expect(raw.map((q) => [q.owner, q.scoped])).toEqual([['unfiltered', false], ['filtered', true], ['inCte', false]]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
