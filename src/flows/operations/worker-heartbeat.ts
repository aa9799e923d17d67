/**
 * A worker's heartbeat: one row of its own moved forward every few seconds,
 * which `/ready` reads. A beat that fails (the database briefly away) is
 * logged and the next one tried; it never stops the worker.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { limits } from '../../domain/limits.ts';
import type { Db } from '../../store/database.ts';
import { beatWorkerHeartbeat, type WorkerIdentity } from '../../store/worker-heartbeats.ts';
import { beatEvery } from './heartbeat.ts';

export interface Heartbeat {
  workerId: string;
  stop(): void;
}

/** Beats once before answering (so a worker that started is seen at once), then every `intervalMs`. */
export async function startWorkerHeartbeat(db: Db, onError: (error: unknown) => void, intervalMs: number = limits.workerHeartbeatIntervalMs): Promise<Heartbeat> {
  const worker: WorkerIdentity = { workerId: `wkr_${randomUUID()}`, host: os.hostname(), pid: process.pid };
  const beat = () => beatWorkerHeartbeat(db, worker, limits.workerHeartbeatRetentionMs);
  await beat();
  const timer = beatEvery(beat, intervalMs, onError);
  // Its row is left on a clean stop: during a rolling deploy the API stays ready while the next worker starts;
  // the row ages out of /ready's window like that of a crashed worker.
  return { workerId: worker.workerId, stop: () => void timer.stop() };
}
