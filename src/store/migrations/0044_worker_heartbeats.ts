/**
 * Worker heartbeats: each `paypilot worker` process (and `start`'s worker)
 * keeps one row, named by a random id of its own, and moves `beat_at` forward
 * every few seconds. `/ready` on an API process reads the newest one: a
 * deployment whose workers are all gone takes payments that would never
 * settle, so it says it is not ready.
 *
 * `beat_at` is written and compared with the database's clock, so hosts whose
 * clocks disagree still agree on how old a heartbeat is. Not tenant data: no
 * merchant_id. Rows of workers that stopped are deleted by the heartbeats of
 * those still running once they are a day old.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table worker_heartbeats (
      worker_id text primary key,
      host text not null,
      pid integer not null,
      started_at timestamptz not null default now(),
      beat_at timestamptz not null default now()
    );
    create index worker_heartbeats_beat_at on worker_heartbeats (beat_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists worker_heartbeats`.execute(db);
}
