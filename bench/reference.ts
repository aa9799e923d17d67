/**
 * The fixed reference: the payment transaction in ../shared/bench/reference-payment.sql
 * (insert a payment and an outbox row, move two balances, insert two ledger
 * entries: what a payment needs at least), run on the bench's PostgreSQL in
 * the same run, so Paypilot's figures can be read as a share of what the
 * machine allows. Its tables (reference-setup.sql) live in a schema of their
 * own, dropped afterwards.
 *
 * With pgbench installed, pgbench runs the file as it stands; otherwise this
 * process runs the same file's statements over as many connections (it reads
 * only `\set name random(a, b)`, statements ending in `;` or `\gset`).
 * Either way the reference backends carry their own application_name, so
 * their CPU is read from /proc like the API's backends.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runClosedLoop, type LoopResult, type Sample } from './load.ts';

export const referenceApplicationName = 'paypilot-bench-reference';
const projectRoot = fileURLToPath(new URL('..', import.meta.url));
/** As the repository refers to them: relative to the project root. */
export const referenceFiles = { setup: '../shared/bench/reference-setup.sql', payment: '../shared/bench/reference-payment.sql' };
/** pgbench's run is this much longer than warm-up + window, so it still runs when the window closes. */
const pgbenchTailMs = 1_000;

export type ReferenceClient = 'pgbench' | 'node';

export interface ReferenceSetup {
  schema: string;
  paymentFile: string;
  paymentScript: string;
  drop(): Promise<void>;
}

export interface ReferenceScripts {
  paymentFile: string;
  setupScript: string;
  paymentScript: string;
}

/**
 * Reads both files, failing clearly when one is missing (before anything is
 * started). `root`: the project root their paths are relative to (a test
 * passes another).
 */
export async function readReference(root = projectRoot): Promise<ReferenceScripts> {
  const [setupFile, paymentFile] = [referenceFiles.setup, referenceFiles.payment].map((file) => path.resolve(root, file)) as [string, string];
  for (const [shown, file] of [[referenceFiles.setup, setupFile], [referenceFiles.payment, paymentFile]] as const) {
    if (!existsSync(file)) {
      throw new Error(`bench: the reference file ${shown} (${file}) is missing: the bench measures Paypilot against the transaction it holds; restore it (see bench/README.md)`);
    }
  }
  return { paymentFile, setupScript: await readFile(setupFile, 'utf8'), paymentScript: await readFile(paymentFile, 'utf8') };
}

/** Creates the reference tables in a fresh schema of their own. */
export async function setUpReference(url: string, scripts: ReferenceScripts): Promise<ReferenceSetup> {
  const { paymentFile, setupScript, paymentScript } = scripts;
  const schema = `paypilot_bench_reference_${process.pid}`;
  const client = new pg.Client({ connectionString: url, application_name: 'paypilot-bench-admin' });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade; create schema ${schema}; set search_path to ${schema}`);
    await client.query(setupScript);
  } finally {
    await client.end();
  }
  return {
    schema,
    paymentFile,
    paymentScript,
    async drop() {
      const dropper = new pg.Client({ connectionString: url, application_name: 'paypilot-bench-admin' });
      await dropper.connect();
      try {
        await dropper.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** pgbench when it is on the PATH and answers, else the Node client. */
export function pickReferenceClient(forced: ReferenceClient | null): { client: ReferenceClient; note: string } {
  const probe = spawnSync('pgbench', ['--version'], { encoding: 'utf8' });
  const version = probe.status === 0 ? probe.stdout.trim() : null;
  if (forced === 'pgbench' && !version) throw new Error('bench: --reference-client pgbench, but pgbench does not run here (Debian: apt-get install postgresql-client)');
  if (forced === 'node' || !version) return { client: 'node', note: version ? 'the Node client (as asked)' : 'the Node client (pgbench is not installed)' };
  return { client: 'pgbench', note: version };
}

export interface ReferenceWindow<Mark> {
  atStart: Mark;
  atEnd: Mark;
  /** Reference payments committed inside the window. */
  payments: number;
  errors: number;
  /** The pgbench process, whose CPU counts as the load generator's; null with the Node client. */
  pgbenchPid: number | null;
  /** pgbench's own summary lines, or the Node client's errors. */
  detail: string[];
}

export interface ReferenceRunOptions<Mark> {
  url: string;
  setup: ReferenceSetup;
  client: ReferenceClient;
  clients: number;
  warmupMs: number;
  measureMs: number;
  mark: (pgbenchPid: number | null) => Promise<Mark>;
}

export async function runReference<Mark>(options: ReferenceRunOptions<Mark>): Promise<ReferenceWindow<Mark>> {
  return options.client === 'pgbench' ? runPgbench(options) : runNodeClient(options);
}

async function committedPayments(url: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, application_name: 'paypilot-bench-admin' });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>(`select count(*) from ${schema}.ref_payments`);
    return Number(result.rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

async function runPgbench<Mark>(options: ReferenceRunOptions<Mark>): Promise<ReferenceWindow<Mark>> {
  const seconds = Math.ceil((options.warmupMs + options.measureMs + pgbenchTailMs) / 1000);
  const threads = Math.max(1, Math.min(options.clients, 2));
  const args = ['-n', '-f', options.setup.paymentFile, '-c', String(options.clients), '-j', String(threads), '-T', String(seconds)];
  // The connection goes through the environment: a password on the command line would show in `ps`.
  const child = spawn('pgbench', args, {
    env: { ...process.env, ...libpqEnvironment(options.url), PGAPPNAME: referenceApplicationName, PGOPTIONS: `-c search_path=${options.setup.schema}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const pid = child.pid ?? null;
  try {
    await Promise.race([sleep(options.warmupMs), exited]);
    const atStart = await options.mark(pid);
    const before = await committedPayments(options.url, options.setup.schema);
    const startedMs = performance.now();
    await Promise.race([sleep(options.measureMs), exited]);
    const atEnd = await options.mark(pid);
    const after = await committedPayments(options.url, options.setup.schema);
    const tookMs = performance.now() - startedMs;
    const code = await exited;
    if (code !== 0) throw new Error(`bench: pgbench failed (exit ${String(code)}):\n${output.trim()}`);
    if (tookMs < options.measureMs * 0.9) throw new Error(`bench: pgbench ended before the window closed:\n${output.trim()}`);
    const failed = /number of failed transactions: (\d+)/.exec(output);
    const detail = output.split('\n').filter((line) => /^(number of (transactions actually processed|failed)|latency average|tps)/.test(line.trim()));
    return { atStart, atEnd, payments: after - before, errors: failed ? Number(failed[1]) : 0, pgbenchPid: pid, detail };
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}

/** DATABASE_URL as libpq's environment variables. */
function libpqEnvironment(url: string): Record<string, string> {
  const parsed = new URL(url);
  const env: Record<string, string> = {};
  const set = (name: string, value: string | null | undefined) => {
    if (value) env[name] = value;
  };
  set('PGHOST', parsed.searchParams.get('host') ?? decodeURIComponent(parsed.hostname));
  set('PGPORT', parsed.searchParams.get('port') ?? parsed.port);
  set('PGUSER', decodeURIComponent(parsed.username));
  set('PGPASSWORD', decodeURIComponent(parsed.password));
  set('PGDATABASE', decodeURIComponent(parsed.pathname.slice(1)));
  set('PGSSLMODE', parsed.searchParams.get('sslmode'));
  return env;
}

/** The subset of pgbench's script language the reference file uses. */
type Step = { kind: 'set'; name: string; min: number; max: number } | { kind: 'sql'; text: string; gset: boolean };

export function parseScript(script: string): Step[] {
  const steps: Step[] = [];
  let pending = '';
  for (const raw of script.split('\n')) {
    const line = raw.replace(/--.*$/, '').trim();
    if (line === '') continue;
    const set = /^\\set\s+(\w+)\s+random\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/.exec(line);
    if (set) {
      steps.push({ kind: 'set', name: set[1]!, min: Number(set[2]), max: Number(set[3]) });
      continue;
    }
    if (line.startsWith('\\')) throw new Error(`bench: the Node reference client cannot run "${line}"; install pgbench (postgresql-client)`);
    pending += (pending ? ' ' : '') + line;
    // As in pgbench, `\gset` ends its statement in place of the semicolon.
    const end = /(?:;|\s*(\\gset))\s*$/.exec(pending);
    if (end) {
      steps.push({ kind: 'sql', text: pending.slice(0, end.index).trim(), gset: end[1] !== undefined });
      pending = '';
    }
  }
  if (pending) throw new Error('bench: the reference script ends inside a statement');
  return steps;
}

async function runNodeClient<Mark>(options: ReferenceRunOptions<Mark>): Promise<ReferenceWindow<Mark>> {
  const steps = parseScript(options.setup.paymentScript);
  const connections = Array.from(
    { length: options.clients },
    () => new pg.Client({ connectionString: options.url, application_name: referenceApplicationName, options: `-c search_path=${options.setup.schema}` }),
  );
  try {
    await Promise.all(connections.map((client) => client.connect()));
    const loop: LoopResult<Mark> = await runClosedLoop({
      concurrency: options.clients,
      warmupMs: options.warmupMs,
      measureMs: options.measureMs,
      iteration: (worker) => runSteps(connections[worker]!, steps),
      mark: () => options.mark(null),
    });
    const detail = [...loop.errorKinds].map(([kind, count]) => `error ×${count}: ${kind}`);
    return { atStart: loop.atStart, atEnd: loop.atEnd, payments: loop.succeeded, errors: loop.errors, pgbenchPid: null, detail };
  } finally {
    await Promise.all(connections.map((client) => client.end().catch(() => {})));
  }
}

/** One run of the script, as pgbench would (simple protocol, values written into the text). */
async function runSteps(client: pg.Client, steps: Step[]): Promise<Sample> {
  const startedMs = performance.now();
  const variables = new Map<string, string>();
  try {
    for (const step of steps) {
      if (step.kind === 'set') {
        variables.set(step.name, String(step.min + Math.floor(Math.random() * (step.max - step.min + 1))));
        continue;
      }
      const text = step.text.replace(/(?<!:):(\w+)/g, (whole, name: string) => variables.get(name) ?? whole);
      const result = await client.query(text);
      if (step.gset) for (const [name, value] of Object.entries((result.rows[0] ?? {}) as Record<string, unknown>)) variables.set(name, String(value));
    }
    return { ok: true, latenciesMs: { payment: performance.now() - startedMs } };
  } catch (error) {
    await client.query('rollback').catch(() => {});
    return { ok: false, latenciesMs: {}, error: error instanceof Error ? error.message : String(error) };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
