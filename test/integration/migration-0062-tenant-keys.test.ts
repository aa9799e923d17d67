/**
 * Migration 0062 puts merchant_id into every key of a tenant table (issue 19 item 5). On a scratch database
 * migrated up to 0061, as the previous release left it:
 * - it refuses to run while a child row of 0058 still has no merchant_id (the backfill not finished), naming the table,
 *   and runs once the row is filled; it settles the rows the backfill could not fill (no parent to read from);
 * - afterwards the previous version's statements still find the keys they name in `on conflict` (left for the next
 *   release), and this version's, which name them by constraint, too;
 * - a child row can no longer name another merchant's parent.
 * Then migration 0063 on the same database, as the next release finds it:
 * - the twenty keys 0062 left get merchant_id in place, under their names, so the statements of 0062's release (which
 *   name them by constraint or not at all) still work, and the column lists of the release before no longer plan;
 * - 0058's fill triggers and backfill table are gone: an insert without merchant_id is refused, ledger entries are
 *   immutable without exception;
 * - the idempotency fence names the merchant, and 0057's fence stays for 0062's release;
 * - down and up again leave it as up did.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { migrateUpTo } from '../../src/store/migrate.ts';
import * as m0063 from '../../src/store/migrations/0063_tenant_keys_named_by_constraint.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.ts';

let scratch: ScratchDatabase;
let database: DatabaseHandle;

beforeAll(async () => {
  scratch = await createScratchDatabase('pp_e_m0062');
  database = openDatabase(scratch.url, { poolSize: 2 });
  await migrateUpTo(database.db, '0061_payment_path_queue_triggers');
}, 60_000);

afterAll(async () => {
  await database?.close();
  await scratch?.drop();
});

/** `explain` plans an insert's `on conflict` inference without writing: it fails as the statement would when no key matches. */
async function conflictTargetExists(table: string, columns: string, where = ''): Promise<boolean> {
  try {
    await sql.raw(`explain insert into ${table} select * from ${table} where false on conflict (${columns}) ${where ? `where ${where}` : ''} do nothing`).execute(database.db);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42P10') return false;
    throw error;
  }
}

describe('migration 0062: merchant_id in every tenant key', () => {
  it('waits for the backfill of 0058, then keys every tenant table by merchant', async () => {
    const db = database.db;
    const now = new Date('2026-12-01T00:00:00Z');
    for (const merchant of ['m_0062_a', 'm_0062_b']) {
      await sql`insert into merchants (id, name, created_at) values (${merchant}, ${merchant}, ${now})`.execute(db);
      await sql`insert into customers (id, merchant_id, mode, created_at) values (${`cus_${merchant}`}, ${merchant}, 'test', ${now})`.execute(db);
    }
    // A PIN written before 0058's backfill reached it: merchant_id null (the fill trigger off, as before 0058).
    await sql`alter table wallet_pins disable trigger wallet_pins_merchant_id_from_parent`.execute(db);
    await sql`insert into wallet_pins (customer_id, pin_hash, updated_at) values ('cus_m_0062_a', 'hash', ${now})`.execute(db);
    await sql`alter table wallet_pins enable trigger wallet_pins_merchant_id_from_parent`.execute(db);

    await expect(migrateUpTo(db, '0062_tenant_keys')).rejects.toThrow(/wallet_pins still has rows without merchant_id/);
    // Nothing of 0062 stayed: the previous release goes on serving on the schema it knows.
    const pinKey = await sql<{ columns: string }>`select pg_get_indexdef('wallet_pins_pkey'::regclass) as columns`.execute(db);
    expect(pinKey.rows[0]?.columns).toMatch(/\(customer_id\)$/);

    // The backfill (the previous release's worker) fills it; the deploy runs again.
    await sql`update wallet_pins p set merchant_id = c.merchant_id from customers c where c.id = p.customer_id and p.merchant_id is null`.execute(db);
    // What the backfill leaves null, having no parent to read from: a console request's idempotency key (named by its
    // member, not an API key), and the expiry watch of a payment archived since.
    await sql`insert into console_members (id, merchant_id, email, role, created_at, updated_at)
              values ('mem_0062', 'm_0062_b', 'ops@example.com', 'operator', ${now}, ${now})`.execute(db);
    await sql`insert into idempotency_keys (api_key_id, key, request_method, request_path, request_hash, status, locked_at, created_at)
              values ('session:mem_0062:test', 'k0', 'POST', '/console/api/refunds', 'h', 'complete', ${now}, ${now})`.execute(db);
    await sql`insert into payment_expiry_watch (payment_id, expires_at) values ('pay_archived_0062', ${now})`.execute(db);
    await migrateUpTo(db, '0062_tenant_keys');
    const sessionKey = await sql<{ merchant_id: string }>`select merchant_id from idempotency_keys where api_key_id = 'session:mem_0062:test'`.execute(db);
    expect(sessionKey.rows).toEqual([{ merchant_id: 'm_0062_b' }]);
    const watch = await sql<{ n: number }>`select count(*)::int as n from payment_expiry_watch where payment_id = 'pay_archived_0062'`.execute(db);
    expect(watch.rows[0]?.n).toBe(0);

    const nullable = await sql<{ is_nullable: string }>`
      select is_nullable from information_schema.columns where table_name = 'wallet_pins' and column_name = 'merchant_id'`.execute(db);
    expect(nullable.rows[0]?.is_nullable).toBe('NO');
    const key = await sql<{ definition: string }>`select pg_get_indexdef('payments_pkey'::regclass) as definition`.execute(db);
    expect(key.rows[0]?.definition).toMatch(/\(id, merchant_id\)$/);
  });

  it('the previous version still finds every key it names in on conflict, and this version names them by constraint', async () => {
    const left: [table: string, columns: string, constraint: string | null, where?: string][] = [
      ['idempotency_keys', 'api_key_id, key', 'idempotency_keys_pkey'],
      ['wallet_pins', 'customer_id', 'wallet_pins_pkey'],
      ['webhook_deliveries', 'endpoint_id, event_id', 'webhook_deliveries_endpoint_id_event_id_key'],
      ['payment_expiry_retries', 'payment_id', 'payment_expiry_retries_pkey'],
      ['messages', 'dedupe_key', null],
      ['alerts', 'rule_id', null, "state = 'triggered'"],
      ['connector_account_breakers', 'account_id', null],
    ];
    for (const [table, columns, constraint, where] of left) {
      expect(await conflictTargetExists(table, columns, where), `${table} (${columns})`).toBe(true);
      if (constraint) await sql.raw(`explain insert into ${table} select * from ${table} where false on conflict on constraint ${constraint} do nothing`).execute(database.db);
    }
    // A key 0062 re-made in place (nothing of the previous version names its columns) has only the new form.
    expect(await conflictTargetExists('analytics_payment_facts', 'payment_id')).toBe(false);
    expect(await conflictTargetExists('analytics_payment_facts', 'payment_id, merchant_id')).toBe(true);
  });

  it('a child row cannot name a parent of another merchant', async () => {
    const db = database.db;
    const now = new Date('2026-12-01T00:00:00Z');
    await expect(sql`insert into wallet_pins (customer_id, merchant_id, pin_hash, updated_at) values ('cus_m_0062_b', 'm_0062_a', 'hash', ${now})`.execute(db))
      .rejects.toMatchObject({ code: '23503', constraint: 'wallet_pins_customer_id_fkey' });
  });
});

/** The twenty keys 0063 re-makes: table, name, columns before, and the predicate of a partial one. */
const remade: [table: string, name: string, columns: string, where?: string][] = [
  ['alerts', 'alerts_one_open_per_rule', 'rule_id', "state = 'triggered'"],
  ['cancellation_records', 'cancellation_records_pkey', 'payment_id'],
  ['comment_analyses', 'comment_analyses_pkey', 'source, source_id'],
  ['connector_account_breakers', 'connector_account_breakers_pkey', 'account_id'],
  ['connector_incidents', 'connector_incidents_one_open_circuit', 'connector_account_id', "kind = 'circuit_open' and ended_at is null"],
  ['coupon_code_tries', 'coupon_code_tries_pkey', 'payment_id'],
  ['coupon_customer_holds', 'coupon_customer_holds_pkey', 'coupon_id, customer_id'],
  ['experiment_exposures', 'experiment_exposures_pkey', 'experiment_id, payment_id, payer_key'],
  ['idempotency_keys', 'idempotency_keys_pkey', 'api_key_id, key'],
  ['late_payment_refunds', 'late_payment_refunds_attempt_id_key', 'attempt_id'],
  ['messages', 'messages_dedupe_key_key', 'dedupe_key'],
  ['payment_disputes', 'payment_disputes_payment_id_provider_dispute_id_key', 'payment_id, provider_dispute_id'],
  ['payment_expiry_retries', 'payment_expiry_retries_pkey', 'payment_id'],
  ['payment_feedback', 'payment_feedback_pkey', 'payment_id'],
  ['payment_fraud_marks', 'payment_fraud_marks_pkey', 'payment_id'],
  ['provider_notifications', 'provider_notifications_connector_account_id_provider_notifi_key', 'connector_account_id, provider_notification_id'],
  ['reconciliation_mismatches', 'reconciliation_mismatches_connector_account_id_statement_da_key', 'connector_account_id, statement_date, kind, order_number, refund_number'],
  ['risk_reviews', 'risk_reviews_pkey', 'payment_id'],
  ['wallet_pins', 'wallet_pins_pkey', 'customer_id'],
  ['webhook_deliveries', 'webhook_deliveries_endpoint_id_event_id_key', 'endpoint_id, event_id'],
];

/** Each re-made key as the database defines it now. */
async function definitions(): Promise<string[]> {
  const result = await sql<{ definition: string }>`
    select pg_get_indexdef(c.oid) as definition from pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relname = any(${remade.map(([, key]) => key)}::text[]) order by c.relname`.execute(database.db);
  return result.rows.map((row) => row.definition);
}

describe('migration 0063: the keys 0062 left, and what 0058 left for the release before', () => {
  const now = new Date('2026-12-02T00:00:00Z');
  const claim = (merchant: string, key: string, conflict: string) => sql.raw(`
    insert into idempotency_keys (merchant_id, api_key_id, key, request_method, request_path, request_hash, status, locked_at, locked_by, created_at)
    values ('${merchant}', 'key_0063', '${key}', 'POST', '/v1/payments', 'h', 'in_progress', '${now.toISOString()}', 'node_a', '${now.toISOString()}')
    ${conflict} returning key`);

  it('re-makes each under its name with merchant_id last, and the previous release\'s upserts by constraint still hold', async () => {
    const db = database.db;
    // A key claimed under 0062, as its release claims one: by constraint.
    expect((await claim('m_0062_a', 'k-before', 'on conflict on constraint idempotency_keys_pkey do nothing').execute(db)).rows).toHaveLength(1);
    await migrateUpTo(db, '0063_tenant_keys_named_by_constraint');
    const keys = await definitions();
    expect(keys).toHaveLength(remade.length);
    for (const definition of keys) expect(definition).toMatch(/, merchant_id\)( WHERE .*)?$/);
    for (const [table, name, columns, where] of remade) {
      // The release before 0062 named these columns; nothing does now, and they no longer plan.
      expect(await conflictTargetExists(table, columns, where), `${table} (${columns})`).toBe(false);
      expect(await conflictTargetExists(table, `${columns}, merchant_id`, where), `${table} (${columns}, merchant_id)`).toBe(true);
      await sql.raw(`explain insert into ${table} select * from ${table} where false on conflict ${name.endsWith('_pkey') || name.endsWith('_key') ? `on constraint ${name}` : ''} do nothing`).execute(db);
    }
    // The row claimed before is found by the same statement: claimed once, whatever the key's columns.
    expect((await claim('m_0062_a', 'k-before', 'on conflict on constraint idempotency_keys_pkey do nothing').execute(db)).rows).toEqual([]);
    expect((await claim('m_0062_a', 'k-before', 'on conflict do nothing').execute(db)).rows).toEqual([]);
  });

  it('leaves nothing of 0058\'s way for the release before: no fill, no backfill table, ledger entries immutable', async () => {
    const db = database.db;
    await expect(sql`insert into wallet_pins (customer_id, pin_hash, updated_at) values ('cus_m_0062_b', 'hash', ${now})`.execute(db))
      .rejects.toMatchObject({ code: '23502', column: 'merchant_id' });
    const left = await sql<{ n: number }>`
      select (select count(*) from pg_trigger where tgname like '%_merchant_id_from_parent')::int
           + (select count(*) from pg_proc where proname in ('fill_merchant_id_from_parent', 'refuse_ledger_entry_change'))::int
           + (select count(*) from pg_class where relname = 'tenant_key_backfills')::int as n`.execute(db);
    expect(left.rows[0]?.n).toBe(0);
    const immutable = await sql<{ function: string }>`
      select p.proname as function from pg_trigger t join pg_proc p on p.oid = t.tgfoid where t.tgname = 'ledger_entries_immutable'`.execute(db);
    expect(immutable.rows).toEqual([{ function: 'refuse_change' }]);
  });

  it('fences a key by its merchant too, and keeps 0057\'s fence for the previous release', async () => {
    const db = database.db;
    const fence = (merchant: string) => sql`select idempotency_key_fence(${merchant}::text, 'key_0063', 'k-before', ${now.toISOString()}::timestamptz, 'node_a') as held`.execute(db);
    expect((await fence('m_0062_a')).rows).toEqual([{ held: true }]);
    await expect(fence('m_0062_b')).rejects.toMatchObject({ code: 'PPI01' });
    const before = await sql<{ held: boolean }>`select idempotency_key_fence('key_0063', 'k-before', ${now.toISOString()}::timestamptz, 'node_a') as held`.execute(db);
    expect(before.rows).toEqual([{ held: true }]);
  });

  it('goes down to what 0062 left and up again', async () => {
    const db = database.db;
    const up = await definitions();
    await db.transaction().execute((tx) => m0063.down(tx as unknown as Kysely<unknown>));
    for (const [table, , columns, where] of remade) expect(await conflictTargetExists(table, columns, where), `${table} (${columns})`).toBe(true);
    await sql`insert into wallet_pins (customer_id, pin_hash, updated_at) values ('cus_m_0062_b', 'hash', ${now})`.execute(db);
    const filled = await sql<{ merchant_id: string }>`select merchant_id from wallet_pins where customer_id = 'cus_m_0062_b'`.execute(db);
    expect(filled.rows).toEqual([{ merchant_id: 'm_0062_b' }]);
    await db.transaction().execute((tx) => m0063.up(tx as unknown as Kysely<unknown>));
    expect(await definitions()).toEqual(up);
  });
});
