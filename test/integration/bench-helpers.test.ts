/**
 * The parts of `npm run bench` that must keep working as the schema and the
 * payment path change: the fixed reference (the file is read as pgbench
 * reads it, its Node client moves money without losing any, a missing file
 * stops the bench with a clear message) and the SQL load of customers the
 * segments request reads. No figure is asserted: the bench prints them.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBenchMerchant } from '../../bench/database.ts';
import { runOpenLoop } from '../../bench/load.ts';
import { parseScript, readReference, referenceFiles, runReference, setUpReference } from '../../bench/reference.ts';
import { loadSegmentCustomers, segmentsPath } from '../../bench/segments.ts';
import { buildApp } from '../../src/http/app.ts';
import { createFlowContext } from '../../src/runtime.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const referencePresent = await readFile(path.resolve(projectRoot, referenceFiles.payment), 'utf8').then(
  () => true,
  () => false,
);

let database: DatabaseHandle;
beforeAll(() => {
  database = openDatabase(inject('databaseUrl'), { poolSize: 2 });
});
afterAll(async () => database?.close());

describe('the reference transaction', () => {
  it('a missing reference file stops the bench with a message naming it (the setup file, then the payment file)', async () => {
    const emptyRoot = await mkdtemp(path.join(os.tmpdir(), 'paypilot-bench-root-'));
    try {
      await expect(readReference(path.join(emptyRoot, 'project'))).rejects.toThrow(/\.\.\/shared\/bench\/reference-setup\.sql.*is missing/);
      await mkdir(path.join(emptyRoot, 'shared', 'bench'), { recursive: true });
      await writeFile(path.join(emptyRoot, 'shared', 'bench', 'reference-setup.sql'), 'select 1;');
      await expect(readReference(path.join(emptyRoot, 'project'))).rejects.toThrow(/\.\.\/shared\/bench\/reference-payment\.sql.*is missing/);
    } finally {
      await rm(emptyRoot, { recursive: true, force: true });
    }
  });

  it('the script language the Node client reads: \\set random, multi-line statements, \\gset; anything else is refused', () => {
    const steps = parseScript(`-- a comment\n\\set a random(1, 5)\nbegin;\ninsert into t (x)\n  values (:a) returning id \\gset\nselect :id::int;\ncommit;\n`);
    expect(steps).toEqual([
      { kind: 'set', name: 'a', min: 1, max: 5 },
      { kind: 'sql', text: 'begin', gset: false },
      { kind: 'sql', text: 'insert into t (x) values (:a) returning id', gset: true },
      { kind: 'sql', text: 'select :id::int', gset: false },
      { kind: 'sql', text: 'commit', gset: false },
    ]);
    expect(() => parseScript('\\sleep 10 ms\n')).toThrow(/cannot run "\\sleep 10 ms"/);
    expect(() => parseScript('select 1\n')).toThrow(/ends inside a statement/);
  });

  it.skipIf(!referencePresent)('the Node client runs the shared file: every payment has its outbox row and two ledger entries, and no money is made or lost', async () => {
    const setup = await setUpReference(inject('databaseUrl'), await readReference());
    try {
      const window = await runReference({ url: inject('databaseUrl'), setup, client: 'node', clients: 2, warmupMs: 0, measureMs: 300, mark: async () => null });
      expect(window.errors).toBe(0);
      expect(window.payments).toBeGreaterThan(0);
      const s = setup.schema;
      const totals = await database.pool.query<{ payments: string; outbox: string; entries: string; entry_sum: string; balance_sum: string }>(
        `select (select count(*) from ${s}.ref_payments) as payments, (select count(*) from ${s}.ref_outbox) as outbox,
                (select count(*) from ${s}.ref_ledger_entries) as entries, (select sum(amount) from ${s}.ref_ledger_entries) as entry_sum,
                (select sum(balance) from ${s}.ref_accounts) as balance_sum`,
      );
      const row = totals.rows[0]!;
      expect(Number(row.payments)).toBeGreaterThanOrEqual(window.payments);
      expect(Number(row.outbox)).toBe(Number(row.payments));
      expect(Number(row.entries)).toBe(2 * Number(row.payments));
      expect(row.entry_sum).toBe('0');
      expect(row.balance_sum).toBe(String(100_000 * 1_000_000_000));
    } finally {
      await setup.drop();
    }
    const left = await database.pool.query(`select 1 from pg_namespace where nspname = $1`, [setup.schema]);
    expect(left.rowCount).toBe(0);
  });
});

describe('the customers the segments request reads', () => {
  it('every loaded customer has 2 to 6 payments in the default range, and the segments request answers for all of them', async () => {
    const context = createFlowContext({ db: database.db, masterKey: randomBytes(32), publicBaseUrl: 'http://127.0.0.1' });
    const merchant = await createBenchMerchant(context, 'bench helpers test', { url: 'http://127.0.0.1:9', apiKey: 'unused' });
    const load = await loadSegmentCustomers(database, merchant.merchantId, 200);
    expect(load.customers).toBe(200);
    expect(load.payments).toBeGreaterThanOrEqual(400);
    expect(load.payments).toBeLessThanOrEqual(1_200);
    expect(load.attempts).toBeGreaterThan(0);
    const app = await buildApp({ context, logLevel: 'silent', rateLimitPerSecond: 0 });
    try {
      const response = await app.inject({ method: 'GET', url: segmentsPath, headers: { authorization: `Bearer ${merchant.secretKey}` } });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<{ customers_total: number; customers_segmented: number; segments: { size: number }[] }>();
      expect(body.customers_total).toBe(200);
      expect(body.customers_segmented).toBe(200);
      expect(body.segments.reduce((sum, segment) => sum + segment.size, 0)).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('the open loop', () => {
  it('payments the server never answers are aborted after the drain, counted unfinished (∞ in create), never as errors, and no more than the bound are ever in flight', async () => {
    let inFlight = 0;
    let inFlightPeak = 0;
    const loop = await runOpenLoop({
      ratePerSecond: 200,
      keepGoing: (elapsedMs) => elapsedMs < 100,
      inFlightMax: 3,
      drainMs: 50,
      iteration: (_dueMs, signal) =>
        new Promise((_resolve, reject) => {
          inFlight += 1;
          inFlightPeak = Math.max(inFlightPeak, inFlight);
          signal.addEventListener('abort', () => {
            inFlight -= 1;
            reject(new Error('aborted'));
          });
        }),
      mark: async () => null,
    });
    expect(loop.due).toBeGreaterThan(3);
    expect(inFlightPeak).toBe(3);
    expect(inFlight).toBe(0);
    expect(loop.succeeded).toBe(0);
    expect(loop.errors).toBe(0);
    expect(loop.unfinished).toBe(loop.due);
    expect(loop.latenciesMs.create).toHaveLength(loop.due);
    expect(loop.latenciesMs.create?.every((ms) => ms === Number.POSITIVE_INFINITY)).toBe(true);
  });

  it('a payment is timed from when it was due: the iteration is handed its due time, one interval apart, in order', async () => {
    const dues: number[] = [];
    const loop = await runOpenLoop({
      ratePerSecond: 100,
      keepGoing: (elapsedMs) => elapsedMs < 80,
      inFlightMax: 64,
      drainMs: 1_000,
      iteration: async (dueMs) => {
        dues.push(dueMs);
        return { ok: true, latenciesMs: { create: 1 } };
      },
      mark: async () => null,
    });
    expect(loop.succeeded).toBe(loop.due);
    expect(loop.unfinished).toBe(0);
    expect(dues).toHaveLength(loop.due);
    for (let i = 1; i < dues.length; i += 1) expect(dues[i]! - dues[i - 1]!).toBeCloseTo(10, 6);
  });
});
