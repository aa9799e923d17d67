/**
 * What `npm run bench` prints: the run's conditions, each phase's rates and
 * latencies, the statements one payment sends, CPU per payment by part, the
 * API server's memory and event-loop delay, and last one table of the
 * figures beside issue 14's targets (item 2), each marked met or not met.
 * Targets are printed, never enforced: the bench fails only when something
 * is broken.
 */
import os from 'node:os';
import type { CpuUse } from './cpu.ts';
import type { BenchDatabase, TableUpdates, WalPosition } from './database.ts';
import { percentile } from './load.ts';
import type { Options } from './options.ts';
import type { SegmentsLoad } from './segments.ts';
import { expectedStatements, total, type StatementCounts } from './statements.ts';

/** One phase's window, whatever its loop. */
export interface Measured {
  name: string;
  /** Payments completed in the window. */
  payments: number;
  windowMs: number;
  cpu: CpuUse;
  errors: number;
  errorKinds: Map<string, number>;
  latenciesMs: Record<string, number[]>;
  /** What the server wrote to its write-ahead log in the window (every process of it); absent where not read. */
  wal?: WalPosition;
  /** The API server's peak resident memory and longest event-loop delay in the window; null when it idled. */
  server: { rssPeakBytes: number; eventLoopDelayMaxMs: number } | null;
  /** Closed loop: every statement sent and every payment made in the phase, warm-up and drain included. */
  statements?: StatementCounts;
  iterationsAll?: number;
  perSecond?: number[];
  /** Open loop: the schedule, and the payments it did not finish. */
  offered?: { rate: number; due: number; unfinished: number };
  /** pgbench's summary lines, or the Node client's errors. */
  detail?: string[];
}

export interface SegmentsRun {
  measured: Measured;
  requestMs: number;
  status: number;
  customersSegmented: number | null;
  k: number | null;
  /** Why the request failed (its status and error code); null when it answered 200. */
  failure: string | null;
  load: SegmentsLoad;
}

export interface ReportInput {
  options: Options;
  database: Pick<BenchDatabase, 'serverVersion' | 'origin' | 'planningNote'>;
  poolSize: number;
  backgroundBusy: number;
  referenceNote: string;
  saturation: Measured;
  reference: Measured;
  offered: Measured[];
  segments: SegmentsRun | null;
  profileSummary: string | null;
  /** Row updates of the hot path's tables over the whole run (every phase, the worker's too). */
  updates: TableUpdates;
}

/** Issue 14, item 2. */
export const targets = {
  postgresCpuRatioMax: 2,
  apiCpuPerRequestMsMax: 0.5,
  cpuRatioMin: 0.5,
  offeredRate: 300,
  createP50MsMax: 3,
  confirmP50MsMax: 5,
  p99MsMax: 50,
  rssBytesMax: 300 * 2 ** 20,
};

/** More errors than this share of payments means the figures describe a broken run. */
const errorShareMax = 0.01;

export function brokenReason(saturation: Measured, reference: Measured, offered: Measured[]): string | null {
  for (const phase of [saturation, reference, ...offered]) {
    if (phase.payments === 0) return `${phase.name}: no payment succeeded`;
    const share = phase.errors / (phase.errors + phase.payments);
    if (share > errorShareMax) return `${phase.name}: ${(share * 100).toFixed(1)}% of payments failed`;
  }
  return null;
}

const rate = (phase: Measured) => phase.payments / (phase.windowMs / 1000);
const fixed = (value: number | null, digits = 1) => (value === null || Number.isNaN(value) ? '-' : Number.isFinite(value) ? value.toFixed(digits) : '∞');
const lat = (phase: Measured, name: string, fraction: number) => percentile(phase.latenciesMs[name] ?? [], fraction);
const triple = (phase: Measured, name: string) => [0.5, 0.95, 0.99].map((fraction) => fixed(lat(phase, name, fraction))).join(' / ');
/** CPU of a part per payment in the window (ms); null when not measured. */
const perPayment = (phase: Measured, ms: number | null | undefined) => (ms === null || ms === undefined ? null : ms / Math.max(1, phase.payments));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

export function report(input: ReportInput): void {
  const { options, database, saturation, reference, offered, segments } = input;
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  const cpus = os.cpus();
  const latencyPhases = [saturation, ...offered, ...(segments ? [segments.measured] : [])];

  out();
  out('Paypilot payments bench, against the reference');
  out(`machine     ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}`);
  out(`software    Node ${process.version}, PostgreSQL ${database.serverVersion} (${database.origin}; ${database.planningNote})`);
  out(
    `saturation  ${options.concurrency} virtual payers in a closed loop, ${options.seconds} s measured after ${options.warmupSeconds} s warm-up, in two halves around the reference; ` +
      `Idempotency-Key ${options.withIdempotencyKeys ? 'on both POSTs' : 'off'}`,
  );
  out(`offered     ${options.rates.join(' and ')} payments/s in an open loop, ${options.openSeconds} s each: sent on schedule, timed from when due, at most 64 in flight`);
  out(
    `server      API in its own process (pg pool ${input.poolSize}), ${options.worker ? 'the worker in another' : 'no worker'}, ` +
      'card acquirer simulator in another at 0 ms latency; client: fetch (keep-alive)',
  );
  out(`reference   ${input.referenceNote}, on the same PostgreSQL, ${options.seconds} s measured after ${options.warmupSeconds} s warm-up`);
  out(`background  ${(input.backgroundBusy * 100).toFixed(0)}% of the machine was busy with other work just before the run${input.backgroundBusy > 0.1 ? ' (figures are less steady)' : ''}`);

  out();
  out('Payments, latency in ms (p50 / p95 / p99; create timed from when it was due, confirm from the create\'s answer):');
  const latencyRows = latencyPhases.map((phase) => [
    phase.name,
    phase.offered ? String(phase.offered.rate) : 'max',
    rate(phase).toFixed(0),
    triple(phase, 'create'),
    triple(phase, 'confirm'),
    String(phase.errors),
    phase.offered ? String(phase.offered.unfinished) : '',
  ]);
  latencyRows.push(['reference', 'max', rate(reference).toFixed(0), '', '', String(reference.errors), '']);
  out(formatTable(['', 'offered/s', 'done/s', 'create', 'confirm', 'errors', 'unfinished'], latencyRows));
  out('  (done/s: payments completed per second of the window; unfinished: due but never sent, at most 64 being in flight,');
  out('   or still unanswered after the schedule and a 5 s drain; they count as ∞ in create\'s percentiles)');
  for (const phase of [...latencyPhases, reference]) for (const [kind, count] of phase.errorKinds) out(`  ${phase.name} error ×${count}: ${kind}`);
  for (const line of reference.detail ?? []) out(`  reference: ${line.trim()}`);

  out();
  out('Statements one payment sends (read from bench/statements.ts), and measured per payment by the API server at saturation:');
  const expected = expectedStatements(options.withIdempotencyKeys);
  const measured = saturation.statements ?? {};
  const per = (value: number) => (value / Math.max(1, saturation.iterationsAll ?? 0)).toFixed(2);
  const kinds = [...new Set([...expected.map((s) => s.kind), ...Object.keys(measured)])];
  const statementRows = kinds.map((kind) => [kind, String(expected.filter((s) => s.kind === kind).length), per(measured[kind] ?? 0)]);
  statementRows.push(['total', String(expected.length), per(total(measured))]);
  out(formatTable(['statement', 'expected', 'measured'], statementRows));
  out('  (each one round trip; a statement the list does not know shows as "other: …". The reference sends 8: begin, 6 statements, commit)');

  out();
  out('Row updates over the whole run (pg_stat_user_tables; heap-only: no index entry written, the row stays on its page):');
  const updateRows = Object.entries(input.updates).map(([table, counts]) => [
    table,
    String(counts.updated),
    String(counts.hot),
    counts.updated > 0 ? `${((100 * counts.hot) / counts.updated).toFixed(0)}%` : '-',
  ]);
  out(formatTable(['table', 'updated', 'heap-only', 'share'], updateRows));

  out();
  out('CPU per payment in each window, ms (load generator: this process ("bench") or pgbench; "other": the rest of the machine:');
  out('PostgreSQL background work, the OS, other users):');
  const cpuRow = (phase: Measured) => {
    const { benchMs, childrenMs, postgresMs, machineBusyMs, machineTotalMs } = phase.cpu;
    const pgbench = childrenMs.pgbench ?? null;
    const api = childrenMs.api ?? null;
    const acquirer = childrenMs.acquirer ?? null;
    const worker = childrenMs.worker ?? null;
    // Process times and machine times are counted apart and round differently: a small negative rest is noise.
    const other = Math.max(0, machineBusyMs - benchMs - (pgbench ?? 0) - (api ?? 0) - (worker ?? 0) - (acquirer ?? 0) - (postgresMs ?? 0));
    const load = `${pgbench === null ? 'bench' : 'pgbench'} ${fixed(perPayment(phase, benchMs + (pgbench ?? 0)), 2)}`;
    const busy = `${((100 * machineBusyMs) / Math.max(1, machineTotalMs)).toFixed(0)}%`;
    const cell = (ms: number | null) => fixed(perPayment(phase, ms), 2);
    return [phase.name, load, cell(api), ...(options.worker ? [cell(worker)] : []), cell(acquirer), cell(postgresMs), cell(other), cell(machineBusyMs), busy];
  };
  const cpuHeader = ['', 'load generator', 'API server', ...(options.worker ? ['worker'] : []), 'card simulator', 'PostgreSQL', 'other', 'total', 'machine busy'];
  out(formatTable(cpuHeader, [saturation, reference, ...latencyPhases.slice(1)].map(cpuRow)));
  if (saturation.cpu.postgresMs === null) out('  (PostgreSQL backends are not visible in /proc here: their CPU is in "other", and the CPU figures below are not measured)');

  out();
  out('Written to the write-ahead log per payment in each window (the whole server, background work included: a figure that does not');
  out('move with the machine\'s load, but a checkpoint in a window adds full-page images to it; records and images counted to about a second):');
  const walRow = (phase: Measured) => {
    const wal = phase.wal;
    const each = (value: number | undefined) => (value === undefined ? '-' : Math.round(value / Math.max(1, phase.payments)).toLocaleString('en'));
    return [phase.name, each(wal?.bytes), each(wal?.records), each(wal?.fullPageImages)];
  };
  out(formatTable(['', 'bytes', 'records', 'full-page images'], [saturation, reference, ...latencyPhases.slice(1)].map(walRow)));

  out();
  out('API server: peak resident memory and longest event-loop delay (perf_hooks.monitorEventLoopDelay, 5 ms resolution) in each window:');
  out(formatTable(['', 'RSS peak', 'event-loop delay max ms'], latencyPhases.map((phase) => [phase.name, phase.server ? mb(phase.server.rssPeakBytes) : '-', fixed(phase.server?.eventLoopDelayMaxMs ?? null)])));
  if (segments) {
    const { load } = segments;
    if (segments.failure) out(`  segments: the request FAILED (${segments.failure}): its event-loop figure says nothing about segmenting`);
    out(
      `  segments: GET ${'/v1/analytics/customer_segments'} answered ${segments.status} in ${segments.requestMs.toFixed(0)} ms ` +
        `(${segments.customersSegmented ?? '?'} customers segmented into ${segments.k ?? '?'}; loaded ${load.customers} customers, ${load.payments} payments, ` +
        `${load.attempts} attempts through SQL in ${(load.tookMs / 1000).toFixed(1)} s)`,
    );
  }
  if (saturation.perSecond) {
    const halves = saturation.perSecond;
    out();
    out(`payments completed per second at saturation, in the order run: ${halves.slice(0, halves.length / 2).join(' ')} | reference | ${halves.slice(halves.length / 2).join(' ')}`);
  }
  if (input.profileSummary) {
    out();
    out('CPU profile of the API server (all phases; it idles through the reference):');
    out(input.profileSummary);
  }

  out();
  out('Against the reference, with the targets of issue 14 item 2:');
  out(formatTable(['figure', 'measured', 'target', ''], figureRows(input), 'left'));
  out(
    `  CPU ratio: reference PostgreSQL CPU per payment ÷ Paypilot's PostgreSQL + API server${input.options.worker ? ' + worker' : ''} CPU per payment ` +
      '(load generator and card simulator left out).',
  );
  out('  The analytics target (a 90-day summary over a million payments ≤ 200 ms) is measured by `npm run bench:analytics`.');
  out('Figures vary up to 1.7× from run to run on shared machines: compare the rows of one run, not runs with each other.');
  const broken = brokenReason(saturation, reference, offered);
  if (broken) {
    out();
    out(`BROKEN: ${broken}`);
  }
  console.log(lines.join('\n'));
}

/** The final table: figure, value, target, met / not met. */
function figureRows({ saturation, reference, offered, segments }: ReportInput): string[][] {
  const rows: string[][] = [];
  const verdict = (value: number | null, ok: (value: number) => boolean) => (value === null || Number.isNaN(value) ? 'not measured' : ok(value) ? 'met' : 'not met');
  const pgSat = perPayment(saturation, saturation.cpu.postgresMs);
  const pgRef = perPayment(reference, reference.cpu.postgresMs);
  const api = perPayment(saturation, saturation.cpu.childrenMs.api);
  const worker = perPayment(saturation, saturation.cpu.childrenMs.worker) ?? 0;
  const apiPerRequest = api === null ? null : api / 2;
  const pgRatio = pgSat === null || pgRef === null ? null : pgSat / pgRef;
  const cpuRatio = pgSat === null || pgRef === null || api === null ? null : pgRef / (pgSat + api + worker);

  rows.push(['end-to-end payments/s ÷ reference payments/s', `${fixed(rate(saturation) / rate(reference), 3)} (${rate(saturation).toFixed(0)} / ${rate(reference).toFixed(0)})`, '', '']);
  rows.push([
    'PostgreSQL CPU per payment ÷ reference',
    `${fixed(pgRatio, 1)} (${fixed(pgSat, 2)} / ${fixed(pgRef, 2)} ms)`,
    `≤ ${targets.postgresCpuRatioMax}`,
    verdict(pgRatio, (value) => value <= targets.postgresCpuRatioMax),
  ]);
  const walBytes = (phase: Measured) => (phase.wal ? phase.wal.bytes / Math.max(1, phase.payments) : null);
  const walSat = walBytes(saturation);
  const walRef = walBytes(reference);
  rows.push(['WAL bytes per payment ÷ reference', walSat === null || walRef === null ? '-' : `${fixed(walSat / walRef, 1)} (${Math.round(walSat)} / ${Math.round(walRef)})`, '', '']);
  rows.push(['API server CPU per request', `${fixed(apiPerRequest, 2)} ms`, `≤ ${targets.apiCpuPerRequestMsMax} ms`, verdict(apiPerRequest, (value) => value <= targets.apiCpuPerRequestMsMax)]);
  rows.push(['CPU ratio reference ÷ Paypilot', fixed(cpuRatio, 2), `≥ ${targets.cpuRatioMin}`, verdict(cpuRatio, (value) => value >= targets.cpuRatioMin)]);
  const latencyPhases = [...offered, saturation];
  for (const phase of latencyPhases) {
    const where = phase.offered ? `at ${phase.offered.rate}/s offered (${rate(phase).toFixed(0)}/s done)` : `at saturation (${rate(phase).toFixed(0)}/s)`;
    const atTarget = phase.offered?.rate === targets.offeredRate;
    for (const [name, p50Max] of [['create', targets.createP50MsMax], ['confirm', targets.confirmP50MsMax]] as const) {
      const p50 = lat(phase, name, 0.5);
      const p99 = lat(phase, name, 0.99);
      rows.push([
        `${name} p50 / p95 / p99 ${where}`,
        `${triple(phase, name)} ms`,
        atTarget ? `p50 ≤ ${p50Max}, p99 ≤ ${targets.p99MsMax} ms` : '',
        atTarget ? verdict(Number.isNaN(p50) || Number.isNaN(p99) ? null : Math.max(p50 / p50Max, p99 / targets.p99MsMax), (value) => value <= 1) : '',
      ]);
    }
  }
  if (!offered.some((phase) => phase.offered?.rate === targets.offeredRate)) rows.push([`create, confirm at ${targets.offeredRate}/s offered`, '-', 'p50 ≤ 3 / 5, p99 ≤ 50 ms', 'not measured']);
  const rss = saturation.server?.rssPeakBytes ?? null;
  rows.push(['API server resident memory at saturation (peak)', rss === null ? '-' : mb(rss), `< ${mb(targets.rssBytesMax)}`, verdict(rss, (value) => value < targets.rssBytesMax)]);
  if (segments) {
    const during = segments.measured.server?.eventLoopDelayMaxMs ?? null;
    const without = offered.find((phase) => phase.offered?.rate === segments.measured.offered?.rate)?.server?.eventLoopDelayMaxMs ?? null;
    rows.push([
      `longest API event-loop delay, customer segments during ${segments.measured.offered?.rate ?? '?'}/s`,
      `${fixed(during, 0)} ms (${fixed(without, 0)} ms without; request ${segments.requestMs.toFixed(0)} ms)`,
      'printed',
      segments.failure ? `request failed: ${segments.failure}` : '',
    ]);
  }
  return rows;
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
