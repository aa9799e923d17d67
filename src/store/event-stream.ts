/**
 * The event stream's outbox (migration 0046): publishers register, one of
 * them holds the lease at a time, reads what is owed oldest first, and
 * deletes what the stream acknowledged.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

/** Turns the outbox on: from now on every new event is queued for the stream. Safe to repeat. */
export async function registerPublisher(db: Db, name: string, now: Date): Promise<void> {
  await db.insertInto('event_stream_publishers').values({ name, lease_holder: null, lease_until: null, registered_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
}

/** Turns the outbox off: no event is queued any more, and what was owed is forgotten. */
export async function unregisterPublisher(db: Db, name: string): Promise<{ forgotten: number }> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('event_stream_publishers').where('name', '=', name).execute();
    const others = await tx.selectFrom('event_stream_publishers').select('name').limit(1).execute();
    if (others.length > 0) return { forgotten: 0 };
    const deleted = await tx.deleteFrom('event_stream_outbox').executeTakeFirst();
    return { forgotten: Number(deleted.numDeletedRows) };
  });
}

/**
 * Takes or renews the publisher's lease, in one statement: answers true when
 * `holder` holds it until `now + leaseMs` (it was free, had run out, or was
 * already this holder's).
 */
export async function leasePublisher(db: Db, input: { name: string; holder: string; now: Date; leaseMs: number }): Promise<boolean> {
  const result = await sql`
    update event_stream_publishers
       set lease_holder = ${input.holder}, lease_until = ${new Date(input.now.getTime() + input.leaseMs)}
     where name = ${input.name}
       and (lease_holder is null or lease_until <= ${input.now} or lease_holder = ${input.holder})`.execute(db);
  return Number(result.numAffectedRows ?? 0) === 1;
}

/** Gives the lease back (a clean stop), so another publisher need not wait for it to run out. */
export async function releasePublisher(db: Db, name: string, holder: string): Promise<void> {
  await db.updateTable('event_stream_publishers').set({ lease_holder: null, lease_until: null }).where('name', '=', name).where('lease_holder', '=', holder).execute();
}

export interface OwedPublication {
  sequence: bigint;
  orderingKey: string;
  /** Null when the event is gone (archived): nothing left to publish. */
  event: { id: string; merchant_id: string; mode: string; type: string; data: unknown; created_at: Date } | null;
}

/** The oldest `limit` publications owed, in the order they were queued. */
export async function owedPublications(db: Db, limit: number): Promise<OwedPublication[]> {
  const rows = await db
    .selectFrom('event_stream_outbox as o')
    .leftJoin('events as e', 'e.id', 'o.event_id')
    .select(['o.sequence', 'o.ordering_key', 'e.id', 'e.merchant_id', 'e.mode', 'e.type', 'e.data', 'e.created_at'])
    .orderBy('o.sequence')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    sequence: BigInt(row.sequence),
    orderingKey: row.ordering_key,
    event:
      row.id === null || row.merchant_id === null || row.mode === null || row.type === null || row.created_at === null
        ? null
        : { id: row.id, merchant_id: row.merchant_id, mode: row.mode, type: row.type, data: row.data, created_at: row.created_at },
  }));
}

/** Marks publications done (the stream acknowledged them) by deleting them. */
export async function completePublications(db: Db, sequences: bigint[]): Promise<void> {
  if (sequences.length === 0) return;
  await sql`delete from event_stream_outbox where sequence = any(${sequences.map(String)}::bigint[])`.execute(db);
}

export async function countOwedPublications(db: Db): Promise<number> {
  const row = await db.selectFrom('event_stream_outbox').select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}
