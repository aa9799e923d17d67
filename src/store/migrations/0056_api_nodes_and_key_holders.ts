/**
 * Which API process holds an in-progress idempotency key, and whether it is
 * still alive (issue 19: many API nodes).
 *
 * `api_nodes`: each API process keeps one row, named by a random id of its
 * own, and moves `heartbeat_at` forward every few seconds. A key whose holder
 * has not beaten for a while (or whose row is gone) belonged to a process
 * that died: a retry of the same request takes it over at once instead of
 * waiting out the five-minute stale window. `heartbeat_at` is written and
 * compared with the database's clock, so hosts whose clocks disagree still
 * agree on a heartbeat's age. Not tenant data: no merchant_id. Rows of
 * processes that stopped are deleted by the heartbeats of those still running.
 *
 * `idempotency_keys.locked_by`: the process that claimed the key (null for
 * keys claimed before this migration, and by a version that does not write
 * it: those are taken over only after the stale window, as before). With
 * `locked_at` it fences the claim: a request completes or marks its key only
 * while both still say what its claim wrote. Not indexed: the key's update
 * stays heap-only (migration 0048).
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table api_nodes (
      node_id text primary key,
      host text not null,
      pid integer not null,
      started_at timestamptz not null default now(),
      heartbeat_at timestamptz not null default now()
    );
    create index api_nodes_heartbeat_at on api_nodes (heartbeat_at);
    alter table idempotency_keys add column locked_by text;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table idempotency_keys drop column if exists locked_by;
    drop table if exists api_nodes;
  `.execute(db);
}
