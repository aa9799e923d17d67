/**
 * Where a streaming read replica stands against the primary, in WAL
 * positions: the primary's position when a read begins, and whether the
 * replica has replayed up to it (then every row committed before the read
 * began is visible there, one's own writes included).
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

/** The primary's WAL write position now (every transaction committed so far ends at or before it). */
export async function primaryWalPosition(db: Db): Promise<string> {
  const result = await sql<{ position: string }>`select pg_current_wal_lsn()::text as position`.execute(db);
  const position = result.rows[0]?.position;
  if (!position) throw new Error('the primary answered no WAL position');
  return position;
}

/**
 * Whether the replica has replayed the primary's WAL up to `position`. A
 * server that is not replaying (not in recovery) answers true: it is the
 * primary itself, as DATABASE_READ_URL may name it.
 */
export async function replayedUpTo(readDb: Db, position: string): Promise<boolean> {
  const result = await sql<{ replayed: boolean }>`
    select case when pg_is_in_recovery() then coalesce(pg_last_wal_replay_lsn() >= ${position}::pg_lsn, false) else true end as replayed`.execute(readDb);
  return result.rows[0]?.replayed === true;
}
