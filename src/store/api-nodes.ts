/**
 * API process heartbeats (migration 0056): which processes may hold
 * in-progress idempotency keys (see store/idempotency.ts). Times come from
 * the database's clock, written and read, so hosts whose clocks disagree
 * agree on a heartbeat's age.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

export interface ApiNodeIdentity {
  nodeId: string;
  host: string;
  pid: number;
}

/** Moves this process's heartbeat to now (its row made on the first beat), and deletes those of processes gone longer than `retentionMs`. */
export async function beatApiNode(db: Db, node: ApiNodeIdentity, retentionMs: number): Promise<void> {
  await sql`
    with beat as (
      insert into api_nodes (node_id, host, pid) values (${node.nodeId}, ${node.host}, ${node.pid})
      on conflict (node_id) do update set heartbeat_at = now()
    )
    delete from api_nodes where heartbeat_at < now() - make_interval(secs => ${retentionMs / 1000})`.execute(db);
}

/** A process that stops cleanly removes its row: keys it still holds (requests cut off at shutdown) can be taken over at once. */
export async function removeApiNode(db: Db, nodeId: string): Promise<void> {
  await sql`delete from api_nodes where node_id = ${nodeId}`.execute(db);
}
