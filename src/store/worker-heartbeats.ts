/**
 * Worker heartbeats (migration 0044). Times come from the database's clock on
 * both sides, written and read, so hosts whose clocks disagree agree on a
 * heartbeat's age.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

export interface WorkerIdentity {
  workerId: string;
  host: string;
  pid: number;
}

/** Moves this worker's heartbeat to now (its row made on the first beat), and deletes those of workers gone longer than `retentionMs`. */
export async function beatWorkerHeartbeat(db: Db, worker: WorkerIdentity, retentionMs: number): Promise<void> {
  await sql`
    with beat as (
      insert into worker_heartbeats (worker_id, host, pid) values (${worker.workerId}, ${worker.host}, ${worker.pid})
      on conflict (worker_id) do update set beat_at = now()
    )
    delete from worker_heartbeats where beat_at < now() - make_interval(secs => ${retentionMs / 1000})`.execute(db);
}

/** How long ago (ms, by the database's clock) the newest heartbeat of any worker was; null when no worker ever beat. */
export async function newestWorkerHeartbeatAgeMs(db: Db): Promise<number | null> {
  const result = await sql<{ age_ms: string | null }>`
    select (extract(epoch from now() - max(beat_at)) * 1000)::bigint::text as age_ms from worker_heartbeats`.execute(db);
  const age = result.rows[0]?.age_ms;
  return age === null || age === undefined ? null : Math.max(0, Number(age));
}
