/**
 * Migration 0062 puts merchant_id into every key of a tenant table (issue 19 item 5). On a scratch database
 * migrated up to 0061, as the previous release left it:
 * - it refuses to run while a child row of 0058 still has no merchant_id (the backfill not finished), naming the table,
 *   and runs once the row is filled; it settles the rows the backfill could not fill (no parent to read from);
 * - afterwards the previous version's statements still find the keys they name in `on conflict` (left for the next
 *   release), and this version's, which name them by constraint, too;
 * - a child row can no longer name another merchant's parent.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { migrateToLatest, migrateUpTo } from '../../src/store/migrate.ts';

const name = `pp_e_m0062_${randomBytes(4).toString('hex')}`;
let database: DatabaseHandle;

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await onServer(`create database ${name}`);
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  database = openDatabase(url.toString(), { poolSize: 2 });
  await migrateUpTo(database.db, '0061_payment_path_queue_triggers');
}, 60_000);

afterAll(async () => {
  await database?.close();
  await onServer(`drop database if exists ${name} with (force)`);
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

    await expect(migrateToLatest(db)).rejects.toThrow(/wallet_pins still has rows without merchant_id/);
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
    await migrateToLatest(db);
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
