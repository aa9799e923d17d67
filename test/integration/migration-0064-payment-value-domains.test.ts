/**
 * Migration 0064 (issue 14) moves the payment path's single-column CHECK constraints into domains, which PostgreSQL
 * plans once per connection instead of once per statement. On a scratch database migrated up to 0063, with a payment
 * and its attempt in it, as the previous release left them:
 * - the columns take their domains in the catalog only: no table or index is rewritten (each keeps its file), and no
 *   constraint was checked against the rows (each added `not valid`: the table checks it replaces held for them); the
 *   view and triggers that depend on the columns are made again as they were;
 * - every value a replaced constraint refused is still refused (23514), and what it accepted is still accepted, on the
 *   five tables a payment writes with checks (payments, payment_attempts, payment_events, funnel_events, idempotency_keys);
 * - what clients read back is the base type (the previous release reads the same values);
 * - 0057's four-argument idempotency fence is gone, the five-argument one stays;
 * - down gives back the schema 0063 left, exactly, and up again the schema up made.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { migrateUpTo } from '../../src/store/migrate.ts';
import * as m0064 from '../../src/store/migrations/0064_payment_value_domains.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.ts';
import { schemaSnapshot, type SchemaSnapshot } from '../support/schema-snapshot.ts';

let scratch: ScratchDatabase;
let database: DatabaseHandle;
let before: SchemaSnapshot;
const now = new Date('2026-12-07T00:00:00Z');

beforeAll(async () => {
  scratch = await createScratchDatabase('pp_e_m0064');
  database = openDatabase(scratch.url, { poolSize: 2 });
  const db = database.db;
  await migrateUpTo(db, '0063_tenant_keys_named_by_constraint');
  await sql`insert into merchants (id, name, created_at) values ('m_0064', 'm_0064', ${now})`.execute(db);
  await sql`insert into connector_accounts (id, merchant_id, mode, connector, base_url, credentials_encrypted, created_at, updated_at)
            values ('ca_0064', 'm_0064', 'test', 'card', 'http://127.0.0.1:1', '\\x00'::bytea, ${now}, ${now})`.execute(db);
  await insertPayment('pay_0064_a').execute(db);
  await sql`insert into payment_attempts (id, payment_id, merchant_id, operation, connector, connector_account_id, payment_method_type, status, amount,
                                          provider_idempotency_key, started_at, next_query_at)
            values ('att_0064_a', 'pay_0064_a', 'm_0064', 'authorize', 'card', 'ca_0064', 'card', 'pending', 1000, 'pk_0064_a', ${now}, ${now})`.execute(db);
  before = await schemaSnapshot(db);
}, 60_000);

afterAll(async () => {
  await database?.close();
  await scratch?.drop();
});

function insertPayment(id: string, values: Partial<Record<'status' | 'mode' | 'purpose' | 'capture_method' | 'currency' | 'amount' | 'points_value', string | number>> = {}) {
  const v = { status: 'requires_payment_method', mode: 'test', purpose: 'payment', capture_method: 'automatic', currency: 'CNY', amount: 1000, points_value: 0, ...values };
  return sql`
    insert into payments (id, merchant_id, mode, status, amount, currency, capture_method, purpose, points_value, payment_method_types, client_secret,
                          expires_at, created_at, updated_at)
    values (${id}, 'm_0064', ${v.mode}, ${v.status}, ${v.amount}::bigint, ${v.currency}, ${v.capture_method}, ${v.purpose}, ${v.points_value}::bigint,
            '{card}', ${`${id}_secret`}, ${now}, ${now}, ${now})`;
}

describe('migration 0064: payment values checked by domains', () => {
  it('retypes the columns in the catalog only, and keeps the view that reads them', async () => {
    const db = database.db;
    const retyped = ['payments', 'payment_attempts', 'payment_events', 'funnel_events', 'idempotency_keys'];
    // Each table and each of its indexes: a rewrite or a rebuild gives it a new file.
    const files = async () =>
      (
        await sql<{ name: string; file: string }>`
          select c.relname as name, pg_relation_filenode(c.oid)::text as file
            from pg_class c
           where c.relname = any (${retyped}::text[])
              or c.oid in (select indexrelid from pg_index where indrelid in (select oid from pg_class where relname = any (${retyped}::text[])))
           order by 1`.execute(db)
      ).rows;
    const filesBefore = await files();
    expect(filesBefore.length).toBeGreaterThan(retyped.length * 2);
    await migrateUpTo(db, '0064_payment_value_domains');
    expect(await files()).toEqual(filesBefore);
    const validated = await sql<{ name: string; validated: boolean }>`
      select conname as name, convalidated as validated from pg_constraint
       where contype = 'c' and (contypid in (select oid from pg_type where typtype = 'd' and typnamespace = 'public'::regnamespace)
                                or conname in ('payments_capturable_within_amount', 'payments_received_within_amount', 'payments_coupon_whole',
                                               'idempotency_keys_effect_whole'))
       order by 1`.execute(db);
    expect(validated.rows.length).toBe(17);
    expect(validated.rows.filter((r) => r.validated)).toEqual([]);

    const types = await sql<{ column: string; type: string }>`
      select c.relname || '.' || a.attname as column, format_type(a.atttypid, a.atttypmod) as type
        from pg_attribute a join pg_class c on c.oid = a.attrelid
       where (c.relname in ('payments', 'payment_attempts') and a.attname in ('status', 'amount', 'operation', 'currency', 'amount_received'))
          or (c.relname, a.attname) in (('funnel_events', 'type'), ('payment_events', 'actor'), ('idempotency_keys', 'status'))
       order by 1`.execute(db);
    expect(types.rows).toEqual([
      { column: 'funnel_events.type', type: 'funnel_step' },
      { column: 'idempotency_keys.status', type: 'idempotency_key_status' },
      { column: 'payment_attempts.amount', type: 'minor_units_positive' },
      { column: 'payment_attempts.operation', type: 'text' },
      { column: 'payment_attempts.status', type: 'text' },
      { column: 'payment_events.actor', type: 'payment_event_actor' },
      { column: 'payments.amount', type: 'payment_amount' },
      { column: 'payments.amount_received', type: 'minor_units_not_negative' },
      { column: 'payments.currency', type: 'currency_code' },
      { column: 'payments.status', type: 'payment_status' },
    ]);
    // Only the constraints that compare two columns are left on the tables a payment writes.
    // An attempt's status and operation keep theirs: partial indexes name them, and retyping would build those again.
    const checks = await sql<{ name: string }>`
      select conname as name from pg_constraint
       where conrelid in ('payments'::regclass, 'payment_attempts'::regclass, 'payment_events'::regclass, 'funnel_events'::regclass,
                          'idempotency_keys'::regclass, 'events'::regclass, 'analytics_changes'::regclass, 'payment_expiry_watch'::regclass)
         and contype = 'c' order by 1`.execute(db);
    expect(checks.rows.map((r) => r.name)).toEqual([
      'idempotency_keys_effect_whole',
      'payment_attempts_operation_check',
      'payment_attempts_status_check',
      'payments_capturable_within_amount',
      'payments_coupon_whole',
      'payments_received_within_amount',
    ]);

    const after = await schemaSnapshot(db);
    expect(after.triggers).toEqual(before.triggers);
    // The server prints a domain's value used as its base type with a cast (`(p.status)::text`): the same expression.
    const asBase = (lines: string[]) => lines.map((line) => line.replace(/\(((?:p\.|a\.)?\w+)\)::(?:text|bigint)/g, '$1'));
    expect(asBase(after.views)).toEqual(asBase(before.views));
    const facts = await sql<{ payment_id: string }>`select payment_id from analytics_payment_facts_live where payment_id = 'pay_0064_a'`.execute(db);
    expect(facts.rows).toHaveLength(1);
  });

  it('refuses what the table constraints refused and accepts what they accepted', async () => {
    const db = database.db;
    const refused: [string, Parameters<typeof insertPayment>[1]][] = [
      ['status', { status: 'paid' }],
      ['mode', { mode: 'prod' }],
      ['purpose', { purpose: 'gift' }],
      ['capture_method', { capture_method: 'later' }],
      ['currency', { currency: 'cny' }],
      ['amount zero', { amount: 0 }],
      ['amount too large', { amount: 1_000_000_000_001 }],
      ['points_value', { points_value: -1 }],
    ];
    for (const [what, values] of refused) {
      await expect(insertPayment(`pay_0064_${what.replace(/ /g, '_')}`, values).execute(db), what).rejects.toMatchObject({ code: '23514' });
    }
    await expect(sql`update payments set status = 'settled' where id = 'pay_0064_a'`.execute(db)).rejects.toMatchObject({ code: '23514' });
    await expect(sql`update payments set amount_received = amount + 1 where id = 'pay_0064_a'`.execute(db)).rejects.toMatchObject({ code: '23514' });
    await expect(sql`update payments set amount_received = -1 where id = 'pay_0064_a'`.execute(db)).rejects.toMatchObject({ code: '23514' });
    await expect(sql`update payments set amount_capturable = amount + 1 where id = 'pay_0064_a'`.execute(db)).rejects.toMatchObject({ code: '23514' });
    await expect(sql`update payments set amount_capturable = -1 where id = 'pay_0064_a'`.execute(db)).rejects.toMatchObject({ code: '23514' });
    const history = (actor: string) => sql`
      insert into payment_events (id, payment_id, merchant_id, from_status, to_status, actor, created_at)
      values (${`pev_0064_${actor}`}, 'pay_0064_a', 'm_0064', 'requires_payment_method', 'requires_payment_method', ${actor}, ${now})`;
    await expect(history('robot').execute(db)).rejects.toMatchObject({ code: '23514' });
    await history('payer').execute(db);
    const funnel = (type: string, device: string) => sql`
      insert into funnel_events (payment_id, merchant_id, mode, type, device_class, created_at)
      values ('pay_0064_a', 'm_0064', 'test', ${type}, ${device}, ${now})`;
    await expect(funnel('clicked', 'mobile').execute(db)).rejects.toMatchObject({ code: '23514' });
    await expect(funnel('checkout_viewed', 'watch').execute(db)).rejects.toMatchObject({ code: '23514' });
    await funnel('checkout_viewed', 'desktop').execute(db);
    const key = (status: string, effect: string | null) => sql`
      insert into idempotency_keys (api_key_id, key, merchant_id, request_method, request_path, request_hash, status, effect_object_type, effect_object_id,
                                    locked_at, created_at)
      values ('key_0064', ${`k_${status}_${effect}`}, 'm_0064', 'POST', '/v1/payments', 'h', ${status}, ${effect}, ${effect === null ? null : 'pay_0064_a'},
              ${now}, ${now})`;
    await expect(key('done', null).execute(db)).rejects.toMatchObject({ code: '23514' });
    await expect(key('complete', 'invoice').execute(db)).rejects.toMatchObject({ code: '23514' });
    await key('complete', 'payment').execute(db);
    await expect(sql`update payment_attempts set amount = 0 where id = 'att_0064_a'`.execute(db)).rejects.toMatchObject({ code: '23514' });

    await insertPayment('pay_0064_b', { amount: 1_000_000_000_000, currency: 'HKD', capture_method: 'manual', purpose: 'wallet_top_up', mode: 'live' }).execute(db);
    await sql`update payments set status = 'canceled' where id = 'pay_0064_b'`.execute(db);
    await sql`update payment_attempts set status = 'succeeded' where id = 'att_0064_a'`.execute(db);
  });

  it('sends clients the base types, and leaves only the fence that names the merchant', async () => {
    const db = database.db;
    const row = await sql<{ status: unknown; amount: unknown }>`select status, amount from payments where id = 'pay_0064_b'`.execute(db);
    expect(row.rows).toEqual([{ status: 'canceled', amount: 1_000_000_000_000n }]);
    const fences = await sql<{ signature: string }>`
      select pg_get_function_identity_arguments(oid) as signature from pg_proc where proname = 'idempotency_key_fence'`.execute(db);
    expect(fences.rows.map((r) => r.signature)).toEqual(['p_merchant_id text, p_api_key_id text, p_key text, p_locked_at timestamp with time zone, p_locked_by text']);
  });

  it('goes down to what 0063 left and up again', async () => {
    const db = database.db;
    const up = await schemaSnapshot(db);
    await db.transaction().execute((tx) => m0064.down(tx as unknown as Kysely<unknown>));
    expect(await schemaSnapshot(db)).toEqual(before);
    await db.transaction().execute((tx) => m0064.up(tx as unknown as Kysely<unknown>));
    expect(await schemaSnapshot(db)).toEqual(up);
  });
});
