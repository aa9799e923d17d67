/**
 * The server side of the bench, each part in a process of its own so that
 * the load generator shares no event loop with it and the CPU each part uses
 * can be read apart:
 *
 *   node bench/server.ts api        what `paypilot serve` assembles (the pg pool, the
 *                                   flows' context, the Fastify app), plus a statement
 *                                   counter on the pool. No worker: its sweeps run once
 *                                   a minute and are no part of a payment.
 *   node bench/server.ts acquirer   the card acquirer simulator, at zero latency.
 *   node bench/server.ts worker     what `paypilot worker` runs (with --worker only).
 *
 * Started by bench/payments.ts with fork(); talks to it over IPC:
 *   → { type: 'ready', url, poolSize }             once listening
 *   ← { type: 'snapshot', id, reset? } → { type: 'snapshot', id, cpuMicros, statements, rssBytes,
 *                                          rssPeakBytes, eventLoopDelayMaxMs }
 *   ← { type: 'stop' }                             closes everything and exits
 * The peak resident memory and the longest event-loop delay
 * (`perf_hooks.monitorEventLoopDelay`) are since the last snapshot that asked
 * to reset them: the bench resets them when a phase's window opens. Measured
 * here, in the bench's own child, so that src/ needs no bench-only route.
 * It also stops when the parent goes away (the IPC channel closes).
 *
 * Environment: BENCH_ACQUIRER_KEY (both); for the API: DATABASE_URL,
 * PAYPILOT_MASTER_KEY (base64), BENCH_ACQUIRER_URL, BENCH_POOL_SIZE, LOG_LEVEL.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startInvalidationListener } from '../src/store/invalidation.ts';
import { parseMasterKey } from '../src/config/config.ts';
import { limits } from '../src/domain/limits.ts';
import { buildApp } from '../src/http/app.ts';
import { startWorker } from '../src/jobs/worker.ts';
import { createFlowContext } from '../src/runtime.ts';
import { startCardAcquirer } from '../src/simulators/card-acquirer/server.ts';
import { openDatabase } from '../src/store/database.ts';
import { createStatementCounter, type StatementCounts } from './statements.ts';

export type ServerRole = 'api' | 'acquirer' | 'worker';

export type ServerMessage =
  | { type: 'ready'; url: string; poolSize: number | null }
  | {
      type: 'snapshot';
      id: number;
      cpuMicros: number;
      statements: StatementCounts;
      rssBytes: number;
      rssPeakBytes: number;
      eventLoopDelayMaxMs: number;
    };

export type ParentMessage = { type: 'snapshot'; id: number; reset?: boolean } | { type: 'stop' };

interface Running {
  url: string;
  poolSize: number | null;
  statements(): StatementCounts;
  close(): Promise<void>;
}

const stopDeadlineMs = 5_000;
/** Resolution of the event-loop delay histogram, and how often resident memory is sampled for its peak. */
const eventLoopResolutionMs = 5;
const rssSampleMs = 100;
/** The worker's pool, as `paypilot worker` sizes it. */
const workerPoolSize = limits.databasePoolSize;

async function startApi(): Promise<Running> {
  const poolSize = Number(required('BENCH_POOL_SIZE'));
  const counter = createStatementCounter();
  const database = openDatabase(required('DATABASE_URL'), { poolSize, applicationName: 'paypilot-bench-server' });
  counter.attach(database.pool);
  const context = createFlowContext({ db: database.db, masterKey: parseMasterKey(required('PAYPILOT_MASTER_KEY')), publicBaseUrl: 'http://127.0.0.1', outboundPolicy: { allowPrivateInTest: true } });
  // As `paypilot serve` runs: keys cached, the cache kept true by LISTEN/NOTIFY.
  const invalidation = await startInvalidationListener(database.pool);
  const app = await buildApp({ context, logLevel: process.env.LOG_LEVEL ?? 'warn', invalidation, defaultBaseUrls: { card: required('BENCH_ACQUIRER_URL') } });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  context.publicBaseUrl = url;
  return {
    url,
    poolSize,
    statements: counter.snapshot,
    async close() {
      await app.close().catch(() => {});
      await invalidation.close().catch(() => {});
      await database.close().catch(() => {});
    },
  };
}

async function startAcquirer(): Promise<Running> {
  const acquirer = await startCardAcquirer({ apiKeys: [required('BENCH_ACQUIRER_KEY')], host: '127.0.0.1', port: 0 });
  return { url: acquirer.url, poolSize: null, statements: () => ({}), close: () => acquirer.close() };
}

/** What `paypilot worker` runs (the job queue, its sweeps), on a pool of its own: work moved off the payment path still counts. */
async function startWorkerRole(): Promise<Running> {
  const counter = createStatementCounter();
  const database = openDatabase(required('DATABASE_URL'), { poolSize: workerPoolSize, applicationName: 'paypilot-bench-worker' });
  counter.attach(database.pool);
  const context = createFlowContext({ db: database.db, masterKey: parseMasterKey(required('PAYPILOT_MASTER_KEY')), publicBaseUrl: 'http://127.0.0.1' });
  const runner = await startWorker(context, database.pool, { logLevel: process.env.LOG_LEVEL ?? 'warn' });
  return {
    url: '',
    poolSize: workerPoolSize,
    statements: counter.snapshot,
    async close() {
      await runner.stop().catch(() => {});
      await database.close().catch(() => {});
    },
  };
}

async function main(role: string | undefined): Promise<void> {
  if (role !== 'api' && role !== 'acquirer' && role !== 'worker') throw new Error('usage: node bench/server.ts api|acquirer|worker (started by bench/payments.ts)');
  const send = (message: ServerMessage) => process.send?.(message);
  const running = role === 'api' ? await startApi() : role === 'worker' ? await startWorkerRole() : await startAcquirer();
  const loopDelay = monitorEventLoopDelay({ resolution: eventLoopResolutionMs });
  loopDelay.enable();
  let rssPeakBytes = process.memoryUsage.rss();
  setInterval(() => {
    rssPeakBytes = Math.max(rssPeakBytes, process.memoryUsage.rss());
  }, rssSampleMs).unref();

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Bounded: a stuck close must not keep the process (or the bench) alive.
    setTimeout(() => process.exit(1), stopDeadlineMs).unref();
    await running.close();
    if (process.connected) process.disconnect();
    // A normal exit (not a kill) lets --cpu-prof write its profile.
    process.exit(0);
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') void stop();
    if (message.type === 'snapshot') {
      const cpu = process.cpuUsage();
      const rssBytes = process.memoryUsage.rss();
      rssPeakBytes = Math.max(rssPeakBytes, rssBytes);
      send({
        type: 'snapshot',
        id: message.id,
        cpuMicros: cpu.user + cpu.system,
        statements: running.statements(),
        rssBytes,
        rssPeakBytes,
        eventLoopDelayMaxMs: loopDelay.max / 1e6,
      });
      if (message.reset) {
        loopDelay.reset();
        rssPeakBytes = rssBytes;
      }
    }
  });
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  send({ type: 'ready', url: running.url, poolSize: running.poolSize });
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`bench server: ${name} is not set`);
  return value;
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
