/**
 * Where PostgreSQL's backends spend their CPU, by what the executor was
 * doing: read from a `perf` recording with call graphs (the server's own
 * functions are exported symbols, so Debian's and the embedded binaries
 * both name them). Each sample of a `postgres` process counts once, under
 * the first category of the list below that its stack is in.
 *
 *   perf record -a -g -F 499 -o /tmp/pg.perf -- sleep 8     # while `npm run bench` is at saturation
 *   node bench/pg-profile.ts /tmp/pg.perf
 *
 * Needs `perf` (Debian: linux-perf) and the right to record (root, or
 * kernel.perf_event_paranoid ≤ 1). Prints figures; never fails on them.
 */
import { spawnSync } from 'node:child_process';

/** A category: what a sample is counted as when its stack holds any of these functions (checked in this order). */
const categories: [name: string, functions: string[]][] = [
  // The referential-integrity functions are static, so unnamed in the recording; their query runs through SPI_execute_snapshot.
  ['AFTER triggers: foreign-key checks', ['RI_FKey_check_ins', 'ri_PerformCheck', 'SPI_execute_snapshot']],
  ['AFTER triggers: PL/pgSQL functions', ['plpgsql_exec_trigger', 'plpgsql_call_handler']],
  ['AFTER triggers: the rest', ['AfterTriggerEndQuery']],
  ['CHECK constraints (parsed and compiled again for each statement)', ['ExecConstraints']],
  ['executor start (a plan tree made ready: relations, indexes, expressions)', ['standard_ExecutorStart']],
  ['executor end', ['standard_ExecutorEnd']],
  ['commit: flushing the WAL (fdatasync)', ['XLogFlush']],
  ['commit: the rest', ['CommitTransactionCommand']],
  ['plan cache (revalidation, custom plans)', ['GetCachedPlan']],
  ['parameters parsed from text (bind)', ['OidInputFunctionCall']],
  ['statement execution: the rest (scans, inserts, index entries, data-modifying CTEs)', ['PortalRun']],
  ['start of transaction, snapshots', ['StartTransactionCommand', 'GetSnapshotData']],
  ['protocol: receiving', ['pq_getbyte', 'pq_getmessage', 'secure_read']],
  ['protocol: sending', ['socket_flush', 'internal_flush', 'secure_write', '__send']],
  ['a backend\'s main loop: the rest', ['PostgresMain']],
];
const outside = "outside a backend's main loop (background processes, connection start)";

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/pg-profile.ts <perf.data>');
  process.exit(2);
}
const script = spawnSync('perf', ['script', '-i', file, '--comm', 'postgres', '-F', 'comm,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30 });
if (script.status !== 0) {
  console.error(`perf script failed: ${script.stderr.trim() || script.error?.message}`);
  process.exit(1);
}

// `perf script` prints each sample as a header line, then one indented line per frame (address, then symbol), then a blank line.
const counts = new Map<string, number>();
let samples = 0;
let frames: Set<string> | null = null;
const settle = () => {
  if (!frames) return;
  samples += 1;
  const name = categories.find(([, functions]) => functions.some((fn) => frames!.has(fn)))?.[0] ?? outside;
  counts.set(name, (counts.get(name) ?? 0) + 1);
  frames = null;
};
for (const line of script.stdout.split('\n')) {
  if (line.trim() === '') settle();
  else if (/^\s/.test(line)) frames?.add(line.trim().split(/\s+/)[1] ?? '');
  else {
    settle();
    frames = new Set();
  }
}
settle();

console.log(`${samples} samples of postgres processes in ${file}; share of them by what the backend was doing:`);
for (const name of [...categories.map(([category]) => category), outside]) {
  const count = counts.get(name) ?? 0;
  console.log(`  ${((100 * count) / Math.max(1, samples)).toFixed(1).padStart(5)}%  ${name}`);
}
