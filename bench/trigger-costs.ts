/**
 * What the triggers on a card payment's statements cost PostgreSQL, in CPU
 * of the one backend that runs them (no client, no contention, no
 * instrumentation inside the statements): a payment's three writing
 * statements as the store sends them (create with its history, expiry watch
 * and `payment.created`; the move to `processing` with its history, no event,
 * the new attempt and the funnel step; the outcome with its history,
 * `payment.succeeded`, the attempt's result and the funnel step), in a
 * PL/pgSQL loop, each variant in a transaction that is rolled back:
 *
 * - **main's queue triggers**: migration 0061 undone inside the transaction
 *   (the two row triggers on `events`, the WHEN clause on attempt updates);
 * - **now**: the schema as migrated;
 * - **now** without one kind of trigger each: the analytics notes, the events
 *   trigger, the foreign-key checks (disabled inside the transaction: the
 *   DDL locks each table until it rolls back, so run it on a database of its
 *   own);
 * - **no triggers**: `session_replication_role = replica` (no trigger fires,
 *   foreign-key checks and analytics notes included), for scale.
 *
 * Variants alternate, `--rounds R` rounds (default 3). `node
 * bench/trigger-costs.ts [--payments N] [--rounds R]` (default 3 000
 * payments per variant and round), against DATABASE_URL (a superuser, for the last
 * variants) or an embedded PostgreSQL. Prints figures; never fails on them.
 */
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import * as queueTriggers from '../src/store/migrations/0061_payment_path_queue_triggers.ts';
import { readProcessMs } from './cpu.ts';
import { openBenchDatabase } from './database.ts';

interface Variant {
  name: string;
  prepare(db: Kysely<unknown>): Promise<void>;
}

/** The tables a payment's statements write to. */
const paymentTables = ['payments', 'payment_events', 'payment_expiry_watch', 'events', 'payment_attempts', 'funnel_events'];

const variants: Variant[] = [
  { name: "main's queue triggers (0061 undone)", prepare: (db) => queueTriggers.down(db) },
  { name: 'now', prepare: async () => {} },
  {
    name: 'now without the analytics notes',
    prepare: async (db) => {
      for (const trigger of ['analytics_payments_inserted', 'analytics_payments_updated']) await sql.raw(`alter table payments disable trigger ${trigger}`).execute(db);
      for (const trigger of ['analytics_attempts_inserted', 'analytics_attempts_updated']) await sql.raw(`alter table payment_attempts disable trigger ${trigger}`).execute(db);
    },
  },
  { name: 'now without the events trigger', prepare: async (db) => void (await sql`alter table events disable trigger events_queue`.execute(db)) },
  {
    name: 'now without the foreign-key checks',
    prepare: async (db) => {
      // ALL includes the internal foreign-key triggers; USER puts the others back.
      for (const table of paymentTables) await sql.raw(`alter table ${table} disable trigger all; alter table ${table} enable trigger user`).execute(db);
    },
  },
  { name: 'no triggers, no foreign-key checks', prepare: async (db) => void (await sql`set local session_replication_role = replica`.execute(db)) },
];

const { values } = parseArgs({ options: { payments: { type: 'string' }, rounds: { type: 'string' } } });
const payments = Number(values.payments ?? 3_000);
const roundsCount = Number(values.rounds ?? 3);

class RolledBack extends Error {}

const database = await openBenchDatabase(process.env.DATABASE_URL?.trim() || undefined);
try {
  const db = database.admin.db as unknown as Kysely<unknown>;
  const merchant = `mer_trigger_costs_${Date.now()}`;
  const account = `ca_trigger_costs_${Date.now()}`;
  await sql`insert into merchants (id, name, created_at) values (${merchant}, 'Trigger costs bench', now())`.execute(db);
  await sql`
    insert into connector_accounts (id, merchant_id, mode, connector, base_url, credentials_encrypted, created_at, updated_at)
    values (${account}, ${merchant}, 'test', 'card', 'http://127.0.0.1:9', '\\x00'::bytea, now(), now())`.execute(db);
  const results: { variant: Variant; microsPerPayment: number | null }[] = [];
  const rounds = Array.from({ length: roundsCount }, () => variants).flat();
  for (const [round, variant] of rounds.entries()) {
    let microsPerPayment: number | null = null;
    try {
      await db.transaction().execute(async (trx) => {
        await variant.prepare(trx);
        // Warm the session's plans first, then measure: both in this transaction, rolled back with it.
        await sql.raw(paymentLoop(merchant, account, `w${round}`, 200)).execute(trx);
        const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
        const before = await readProcessMs(pid, 'postgres');
        await sql.raw(paymentLoop(merchant, account, `r${round}`, payments)).execute(trx);
        const after = await readProcessMs(pid, 'postgres');
        microsPerPayment = before === null || after === null ? null : ((after - before) * 1000) / payments;
        throw new RolledBack();
      });
    } catch (error) {
      if (!(error instanceof RolledBack)) throw error;
    }
    results.push({ variant, microsPerPayment });
  }
  console.log(`\nA card payment's three writing statements, backend CPU per payment (${payments} payments per row, ${database.serverVersion}, ${database.origin}):`);
  console.log(`  ${'variant'.padEnd(40)} ${'each round, µs'.padEnd(34)} median`);
  for (const variant of variants) {
    const figures = results.filter((result) => result.variant === variant).map((result) => result.microsPerPayment);
    const known = figures.filter((figure): figure is number => figure !== null).sort((a, b) => a - b);
    const median = known.length === 0 ? '-' : known[Math.floor(known.length / 2)]!.toFixed(0);
    console.log(`  ${variant.name.padEnd(40)} ${figures.map((figure) => (figure === null ? '-' : figure.toFixed(0))).join(' / ').padEnd(34)} ${median}`);
  }
  console.log('  (one backend, statements in a PL/pgSQL loop: no parse, no protocol, no commit; from /proc, which other work on the machine');
  console.log('   inflates: compare the rows of one run)');
} finally {
  await database.close();
}

/** `count` payments created, moved to processing and to succeeded, each statement shaped as the store's. */
function paymentLoop(merchant: string, account: string, prefix: string, count: number): string {
  const text = (value: string) => `'${value.replaceAll("'", "''")}'`;
  return `
    do $loop$
    declare
      p text;
    begin
      for i in 1..${count} loop
        p := 'pay_tc_${prefix}_' || i;
        with created as (
          insert into payments (id, merchant_id, mode, status, amount, currency, capture_method, payment_method_types, client_secret,
                                expires_at, created_at, updated_at)
          values (p, ${text(merchant)}, 'test', 'requires_payment_method', 1000, 'USD', 'automatic', array['card'], 'secret',
                  now() + interval '30 minutes', now(), now())
          returning id, merchant_id, mode
        ),
        history as (
          insert into payment_events (id, payment_id, merchant_id, from_status, to_status, actor, created_at)
          select 'pev_c' || p, id, merchant_id, null, 'requires_payment_method', 'merchant', now() from created
        ),
        watch as (insert into payment_expiry_watch (payment_id, merchant_id, expires_at) select id, merchant_id, now() + interval '30 minutes' from created)
        insert into events (id, merchant_id, mode, type, object_id, data, created_at)
        select 'evt_c' || p, merchant_id, mode, 'payment.created', id, jsonb_build_object('object', jsonb_build_object('id', id)), now()
          from created;

        with updated as (
          update payments set status = 'processing', version = version + 1, updated_at = now(),
                              payment_method = '{"type":"card","card":{"brand":"visa","last4":"4242"}}'::jsonb
           where id = p and version = 0
          returning id, merchant_id, mode
        ),
        history as (
          insert into payment_events (id, payment_id, merchant_id, from_status, to_status, actor, created_at)
          select 'pev_p' || p, id, merchant_id, 'requires_payment_method', 'processing', 'payer', now() from updated
        ),
        notices as (
          insert into events (id, merchant_id, mode, type, object_id, data, created_at)
          select 'evt_p' || p, merchant_id, mode, 'payment.processing', id, '{}'::jsonb, now() from updated where false
        ),
        attempt as (
          insert into payment_attempts (id, payment_id, merchant_id, operation, connector, connector_account_id, payment_method_type,
                                        status, amount, provider_idempotency_key, started_at, next_query_at)
          select 'att_' || p, id, merchant_id, 'authorize', 'card', ${text(account)}, 'card', 'pending', 1000, 'pik_' || p,
                 now(), now() + interval '1 minute'
            from updated
          returning id
        )
        insert into funnel_events (payment_id, merchant_id, mode, type, payment_method_type, created_at)
        select id, merchant_id, mode, 'confirm_submitted', 'card', now() from updated;

        with updated as (
          update payments set status = 'succeeded', version = version + 1, updated_at = now(), amount_received = amount
           where id = p and version = 1
          returning id, merchant_id, mode
        ),
        history as (
          insert into payment_events (id, payment_id, merchant_id, from_status, to_status, actor, attempt_id, created_at)
          select 'pev_s' || p, id, merchant_id, 'processing', 'succeeded', 'provider', 'att_' || p, now() from updated
        ),
        notices as (
          insert into events (id, merchant_id, mode, type, object_id, data, created_at)
          select 'evt_s' || p, merchant_id, mode, 'payment.succeeded', id, jsonb_build_object('object', jsonb_build_object('id', id)), now()
            from updated
        ),
        attempt as (
          update payment_attempts set status = 'succeeded', tries = 1, latency_ms = 12, completed_at = now(), next_query_at = null
           where id = 'att_' || p and exists (select 1 from updated)
          returning id
        )
        insert into funnel_events (payment_id, merchant_id, mode, type, payment_method_type, created_at)
        select id, merchant_id, mode, 'succeeded', 'card', now() from updated;
      end loop;
    end $loop$`;
}
