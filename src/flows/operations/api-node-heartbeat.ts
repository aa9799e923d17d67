/**
 * An API process's identity and heartbeat (migration 0056): the process
 * named in `locked_by` of the idempotency keys it claims. While it beats,
 * its in-progress keys are refused to retries (409) as before; once it has
 * not beaten for `limits.apiNodeDeadAfterMs`, a retry of the same request
 * takes them over at once (store/idempotency.ts).
 *
 * The heartbeat has a connection of its own, never one of the request pool:
 * a pool exhausted by load for longer than the bound would otherwise stop
 * the beats of a live process, and its requests, merely waiting for a
 * connection, would be taken over and then go on.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { limits } from '../../domain/limits.ts';
import { openSideDatabase, type DatabaseHandle, type Db } from '../../store/database.ts';
import { beatApiNode, removeApiNode, type ApiNodeIdentity } from '../../store/api-nodes.ts';
import { beatEvery, type BeatTimer } from './heartbeat.ts';

export interface ApiNodeHeartbeat {
  readonly nodeId: string;
  /** Beats once (so the process is seen alive before it claims a key), then every `intervalMs`. */
  start(): Promise<void>;
  /** Stops beating and removes the row: keys left in progress by requests cut off at shutdown are free at once. */
  stop(): Promise<void>;
}

/** `db` names the database; the heartbeat opens its own connection to it (`openSideDatabase`) on start and closes it on stop. */
export function createApiNodeHeartbeat(db: Db, onError: (error: unknown) => void, intervalMs: number = limits.apiNodeHeartbeatIntervalMs): ApiNodeHeartbeat {
  const node: ApiNodeIdentity = { nodeId: `node_${randomUUID()}`, host: os.hostname(), pid: process.pid };
  let own: DatabaseHandle | null = null;
  let timer: BeatTimer | null = null;
  return {
    nodeId: node.nodeId,
    async start() {
      if (timer) return;
      const side = openSideDatabase(db, { applicationName: 'paypilot-heartbeat', statementTimeoutMs: limits.apiNodeHeartbeatStatementTimeoutMs });
      own = side;
      const beat = () => beatApiNode(side.db, node, limits.apiNodeRetentionMs);
      // A first beat that fails (the database away at start) is reported, and the timer tries again.
      await beat().catch(onError);
      timer = beatEvery(beat, intervalMs, onError);
    },
    async stop() {
      if (!timer || !own) return;
      await timer.stop();
      timer = null;
      await removeApiNode(own.db, node.nodeId).catch(onError);
      await own.close().catch(onError);
      own = null;
    },
  };
}
