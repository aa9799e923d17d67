/**
 * Abuse of cancellation as stored (migration 0011): each merchant's settings
 * per mode, the flags `cancellationCtes` writes, and the one-time codes sent
 * to flagged customers.
 */
import { sql } from 'kysely';
import { defaultAbuseSettings, type AbuseSettings } from '../domain/insight/cancellation-abuse.ts';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';
import type { CancellationAbuseFlagsTable, CustomerVerificationsTable } from './schema.ts';
import type { Selectable } from 'kysely';

export type AbuseFlagRow = Selectable<CancellationAbuseFlagsTable>;
export type VerificationRow = Selectable<CustomerVerificationsTable>;

export async function findAbuseSettings(db: Db, scope: Scope): Promise<AbuseSettings & { updatedAt: Date | null }> {
  const row = await db
    .selectFrom('cancellation_abuse_settings')
    .selectAll()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  if (!row) return { ...defaultAbuseSettings, updatedAt: null };
  return { maxCancellationsPerHour: row.max_cancellations_per_hour, action: row.action, flagDurationHours: row.flag_duration_hours, updatedAt: row.updated_at };
}

/**
 * Changes the fields given and keeps the others, in one statement: a first
 * change starts from the defaults, and two changes at the same moment each
 * keep the other's field (a read, merge and write would lose one).
 */
export async function changeAbuseSettings(db: Db, scope: Scope, change: Partial<AbuseSettings>, now: Date): Promise<void> {
  const changed = {
    ...(change.maxCancellationsPerHour !== undefined ? { max_cancellations_per_hour: change.maxCancellationsPerHour } : {}),
    ...(change.action !== undefined ? { action: change.action } : {}),
    ...(change.flagDurationHours !== undefined ? { flag_duration_hours: change.flagDurationHours } : {}),
    updated_at: now,
  };
  const first = {
    maxCancellationsPerHour: change.maxCancellationsPerHour ?? defaultAbuseSettings.maxCancellationsPerHour,
    action: change.action ?? defaultAbuseSettings.action,
    flagDurationHours: change.flagDurationHours ?? defaultAbuseSettings.flagDurationHours,
  };
  await db
    .insertInto('cancellation_abuse_settings')
    .values({
      merchant_id: scope.merchantId,
      mode: scope.mode,
      max_cancellations_per_hour: first.maxCancellationsPerHour,
      action: first.action,
      flag_duration_hours: first.flagDurationHours,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'mode']).doUpdateSet(changed))
    .execute();
}

/** The customer's flag if it still holds at `now`. */
export async function findActiveFlag(db: Db, scope: Scope, customerId: string, now: Date): Promise<AbuseFlagRow | undefined> {
  return db
    .selectFrom('cancellation_abuse_flags')
    .selectAll()
    .where('merchant_id', '=', scope.merchantId)
    .where('mode', '=', scope.mode)
    .where('customer_id', '=', customerId)
    .where('flagged_until', '>', now)
    .executeTakeFirst();
}

/** Newest flagging first; `startingAfter` is a customer id of the previous page. */
export async function listFlags(
  db: Db,
  scope: Scope,
  filter: { activeAt: Date | null; customer?: string; startingAfter?: string; limit: number },
): Promise<{ data: AbuseFlagRow[]; hasMore: boolean }> {
  let query = db.selectFrom('cancellation_abuse_flags as f').selectAll('f').where('f.merchant_id', '=', scope.merchantId).where('f.mode', '=', scope.mode);
  if (filter.activeAt) query = query.where('f.flagged_until', '>', filter.activeAt);
  if (filter.customer) query = query.where('f.customer_id', '=', filter.customer);
  if (filter.startingAfter) {
    const after = filter.startingAfter;
    query = query.where(
      sql<boolean>`(f.flagged_at, f.customer_id) < (select c.flagged_at, c.customer_id from cancellation_abuse_flags c
                    where c.merchant_id = ${scope.merchantId} and c.mode = ${scope.mode} and c.customer_id = ${after})`,
    );
  }
  const rows = await query.orderBy('f.flagged_at', 'desc').orderBy('f.customer_id', 'desc').limit(filter.limit + 1).execute();
  return { data: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

/** A payment's codes, by the payment's merchant and id. */
export async function listVerifications(db: Db, payment: { merchantId: string; id: string }): Promise<VerificationRow[]> {
  return db.selectFrom('customer_verifications').selectAll().where('merchant_id', '=', payment.merchantId).where('payment_id', '=', payment.id).orderBy('id', 'asc').execute();
}

export async function insertVerification(
  db: Db,
  verification: Omit<VerificationRow, 'id' | 'verified_at' | 'status'>,
): Promise<bigint> {
  const row = await db
    .insertInto('customer_verifications')
    .values({ ...verification, status: 'pending' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Uses one try of a pending code; answers the tries left, or null when the code was no longer pending. */
export async function useVerificationAttempt(db: Db, merchantId: string, id: bigint): Promise<number | null> {
  const result = await sql<{ attempts_remaining: number }>`
    update customer_verifications
       set attempts_remaining = attempts_remaining - 1,
           status = case when attempts_remaining - 1 = 0 then 'failed' else status end
     where merchant_id = ${merchantId} and id = ${id} and status = 'pending' and attempts_remaining > 0
    returning attempts_remaining
  `.execute(db);
  return result.rows[0]?.attempts_remaining ?? null;
}

/** Closes a pending code; false when it was no longer pending (another request closed it first). */
export async function closeVerification(db: Db, merchantId: string, id: bigint, status: 'verified' | 'failed' | 'expired', now: Date): Promise<boolean> {
  const result = await db
    .updateTable('customer_verifications')
    .set({ status, verified_at: status === 'verified' ? now : null })
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
