/**
 * What one payment's two status changes write, in figures that do not move
 * with the machine's load: WAL bytes, index entries (heap-only updates or
 * not), and the buffers the UPDATE itself touched (`EXPLAIN (ANALYZE,
 * BUFFERS, WAL)`). It compares, on the same PostgreSQL in the same run, the
 * schema before migration 0047 (the expiry index partial on `status`,
 * fillfactor 100) with the schema now, on fresh payments for each, with the
 * same statements a confirm's two transitions send (status, version,
 * updated_at, the payment method, then the amount received). The analytics
 * and outbox triggers fire as in production.
 *
 * `node bench/transition-writes.ts [--payments N]` (default 2 000), against
 * DATABASE_URL or an embedded PostgreSQL. Prints figures; never fails on them.
 */
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { readProcessMs } from './cpu.ts';
import { openBenchDatabase } from './database.ts';

interface Variant {
  name: string;
  schema: string;
  /** Whether the create writes the payment's expiry watch row (0047). */
  watch: boolean;
}

const variants: Variant[] = [
  {
    name: 'before 0047: expiry index partial on status, fillfactor 100',
    schema: `create index if not exists payments_open_by_expiry on payments (expires_at)
               where status in ('requires_payment_method', 'requires_confirmation', 'requires_action');
             alter table payments reset (fillfactor)`,
    watch: false,
  },
  { name: 'now: expiry watch, no index names status, fillfactor 80', schema: `drop index if exists payments_open_by_expiry; alter table payments set (fillfactor = 80)`,
    watch: true,
  },
];

interface Figures {
  /** CPU of the backend running both transitions of every payment (null: its /proc entry is not visible here). */
  backendCpuMs: number | null;
  createWalBytes: number;
  walBytes: number;
  updated: number;
  hot: number;
  sharedHit: number;
  sharedDirtied: number;
  walRecords: number;
}

const { values } = parseArgs({ options: { payments: { type: 'string' } } });
const payments = Number(values.payments ?? 2_000);

const database = await openBenchDatabase(process.env.DATABASE_URL?.trim() || undefined);
try {
  const db = database.admin.db as unknown as Kysely<unknown>;
  const merchant = `mer_transition_writes_${Date.now()}`;
  await sql`insert into merchants (id, name, created_at) values (${merchant}, 'Transition writes bench', now())`.execute(db);
  // Pages written with each variant's fillfactor: the payments are inserted after its schema is in place.
  const rounds = [...variants, ...variants, ...variants];
  const results: { variant: Variant; figures: Figures }[] = [];
  for (const [round, variant] of rounds.entries()) {
    await sql.raw(variant.schema).execute(db);
    // One connection for the whole variant, so its backend's CPU is the statements' own.
    const figures = await db.connection().execute((connection) => measure(connection, merchant, `r${round}`, payments, variant.watch));
    results.push({ variant, figures });
  }
  console.log(`\nWrites of a payment's two status changes (${payments} payments per row, ${database.serverVersion}, ${database.origin}), per payment:`);
  console.log('  variant                                                      create WAL bytes  transitions: WAL bytes  heap-only  UPDATE buffers hit  dirtied  WAL records  backend CPU µs');
  for (const { variant, figures } of results) {
    const per = (value: number) => (value / payments).toFixed(2).padStart(8);
    console.log(
      `  ${variant.name.padEnd(60)} ${(figures.createWalBytes / payments).toFixed(0).padStart(16)}  ${(figures.walBytes / payments).toFixed(0).padStart(22)}  ${`${figures.hot}/${figures.updated}`.padStart(9)}  ${per(figures.sharedHit).padStart(18)} ${per(figures.sharedDirtied)} ${per(figures.walRecords).padStart(12)}  ${figures.backendCpuMs === null ? '-'.padStart(14) : ((figures.backendCpuMs * 1000) / payments).toFixed(0).padStart(14)}`,
    );
  }
  console.log('  (WAL bytes from pg_current_wal_lsn, triggers included: the creates (one statement for all, with the watch rows now), then both');
  console.log('   transitions one statement each; buffers and WAL records: the UPDATE nodes only; backend CPU: both transitions with their EXPLAIN,');
  console.log('   from /proc, which other work on the machine inflates: compare the rows of one run)');
  await sql.raw(variants[1]!.schema).execute(db);
} finally {
  await database.close();
}

async function measure(db: Kysely<unknown>, merchant: string, prefix: string, count: number, watch: boolean): Promise<Figures> {
  const ids = Array.from({ length: count }, (_, index) => `pay_${prefix}_${merchant}_${index}`);
  const lsn = async () => (await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(db)).rows[0]!.lsn;
  const walSince = async (from: string) =>
    Number((await sql<{ bytes: string }>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${from}::pg_lsn) as bytes`.execute(db)).rows[0]!.bytes);
  const lsnCreate = await lsn();
  await sql`
    with created as (
    insert into payments (id, merchant_id, mode, status, amount, currency, capture_method, payment_method_types, client_secret,
                          expires_at, created_at, updated_at)
    select id, ${merchant}, 'test', 'requires_payment_method', 1000, 'USD', 'automatic', array['card'], 'secret',
           now() + interval '30 minutes', now(), now()
      from unnest(${ids}::text[]) as id
    returning id, expires_at
    )
    insert into payment_expiry_watch (payment_id, merchant_id, expires_at) select id, ${merchant}, expires_at from created where ${watch}`.execute(db);
  const createWalBytes = await walSince(lsnCreate);
  await sql`select pg_stat_force_next_flush()`.execute(db);
  const counters = async () =>
    (await sql<{ updated: string; hot: string }>`select n_tup_upd as updated, n_tup_hot_upd as hot from pg_stat_user_tables where relname = 'payments'`.execute(db)).rows[0]!;
  const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid;
  const before = await counters();
  const cpuBefore = await readProcessMs(pid, 'postgres');
  const lsnBefore = await lsn();
  const figures: Figures = { backendCpuMs: null, createWalBytes, walBytes: 0, updated: 0, hot: 0, sharedHit: 0, sharedDirtied: 0, walRecords: 0 };
  const add = (plan: { Plan: Record<string, number> }) => {
    figures.sharedHit += plan.Plan['Shared Hit Blocks'] ?? 0;
    figures.sharedDirtied += plan.Plan['Shared Dirtied Blocks'] ?? 0;
    figures.walRecords += plan.Plan['WAL Records'] ?? 0;
  };
  for (const id of ids) {
    const toProcessing = await sql<{ 'QUERY PLAN': { Plan: Record<string, number> }[] }>`
      explain (analyze, buffers, wal, timing off, format json)
      update payments set status = 'processing', version = version + 1, updated_at = now(),
                          payment_method = '{"type":"card","card":{"brand":"visa","last4":"4242"}}'::jsonb
       where id = ${id} and version = 0`.execute(db);
    add(toProcessing.rows[0]!['QUERY PLAN'][0]!);
    const toSucceeded = await sql<{ 'QUERY PLAN': { Plan: Record<string, number> }[] }>`
      explain (analyze, buffers, wal, timing off, format json)
      update payments set status = 'succeeded', version = version + 1, updated_at = now(), amount_received = amount
       where id = ${id} and version = 1`.execute(db);
    add(toSucceeded.rows[0]!['QUERY PLAN'][0]!);
  }
  figures.walBytes = await walSince(lsnBefore);
  const cpuAfter = await readProcessMs(pid, 'postgres');
  figures.backendCpuMs = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  await sql`select pg_stat_force_next_flush()`.execute(db);
  const after = await counters();
  figures.updated = Number(after.updated) - Number(before.updated);
  figures.hot = Number(after.hot) - Number(before.hot);
  return figures;
}
