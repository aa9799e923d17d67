/**
 * Reads off the primary. With a read replica (DATABASE_READ_URL) a read-only
 * use case runs there, but only once the replica has replayed everything the
 * primary had written when the read began: so a reader always sees its own
 * writes and anything committed before its request, as on the primary. A
 * replica that lags past a short bound, cannot be reached, or cancels a query
 * to replay WAL sends that read to the primary instead. Writes never go
 * there: use cases that write use `context.db`, and a standby refuses writes
 * (a write reaching it is a programming error and is thrown, never retried).
 *
 * Kept on the primary, whatever their cost: reads that decide a write
 * (checks before a refund, limits, settings about to be changed), sign-in,
 * sessions, members and keys (a removal must take effect at once), and the
 * analytics fold, which writes the rollups; analytics readers fold on the
 * primary first, then read here.
 */
import { limits } from '../domain/limits.ts';
import type { Db } from '../store/database.ts';
import { primaryWalPosition, replayedUpTo } from '../store/replica.ts';
import type { FlowContext } from './context.ts';

type ReadContext = Pick<FlowContext, 'db' | 'readDb' | 'sleep' | 'metrics'>;

/** Runs `read` (which must only read) on the replica when it has caught up, else on the primary. */
export async function onReadDatabase<T>(context: ReadContext, read: (db: Db) => Promise<T>): Promise<T> {
  if (context.readDb === context.db) return read(context.db);
  const caughtUp = await replicaCaughtUp(context);
  if (caughtUp !== 'yes') {
    context.metrics.readsByDatabase.inc({ database: 'primary', reason: caughtUp });
    return read(context.db);
  }
  try {
    const result = await read(context.readDb);
    context.metrics.readsByDatabase.inc({ database: 'replica', reason: 'caught_up' });
    return result;
  } catch (error) {
    if (!replicaUnavailable(error)) throw error;
    context.metrics.readsByDatabase.inc({ database: 'primary', reason: 'replica_failed' });
    return read(context.db);
  }
}

async function replicaCaughtUp(context: ReadContext): Promise<'yes' | 'lagging' | 'replica_failed'> {
  const position = await primaryWalPosition(context.db);
  for (let check = 0; check < limits.replicaCatchUpChecksMax; check += 1) {
    try {
      if (await replayedUpTo(context.readDb, position)) return 'yes';
    } catch (error) {
      if (replicaUnavailable(error)) return 'replica_failed';
      throw error;
    }
    await context.sleep(limits.replicaCatchUpPollMs);
  }
  return 'lagging';
}

/**
 * Errors that say the replica could not serve the read, so the primary
 * should: no connection (refused, reset, timed out), the server shutting
 * down or starting (57P01–57P03), a connection failure (class 08), or a
 * query canceled because replay needed its rows (40001 on a standby). A
 * write refused there (25006) and every other error are thrown as they are.
 */
export function replicaUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || code.startsWith('57P') || code === '40001') return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code)) return true;
    return false;
  }
  // pg-pool's own connect timeout and a connection closed under a query carry no code.
  return /timeout exceeded when trying to connect|Connection terminated/i.test(error.message);
}
