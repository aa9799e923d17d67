/** Tables of the running deployment rather than of any merchant. */
import type { Timestamp } from './columns.ts';

/** One row per running worker process (migration 0044); `beat_at` moves forward every few seconds. */
export interface WorkerHeartbeatsTable {
  worker_id: string;
  host: string;
  pid: number;
  started_at: Timestamp;
  beat_at: Timestamp;
}

/** One row per running API process (migration 0056): the holders of in-progress idempotency keys. */
export interface ApiNodesTable {
  node_id: string;
  host: string;
  pid: number;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
}
