/**
 * Each customer's payment PIN hash and the count of wrong tries in a row.
 *
 * A try is checked against the lock, then verified, then counted if wrong.
 * Guesses in flight at the same moment are therefore counted after the fact;
 * what bounds them is that each needs its own open payment (a confirm moves
 * its payment to `processing` first, so one payment carries one try at a
 * time), and only the merchant can open payments. Counting before verifying
 * would instead lock out a customer who rightly pays several orders at once.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

export async function savePin(db: Db, customerId: string, pinHash: string, now: Date): Promise<void> {
  await db
    .insertInto('wallet_pins')
    .values({ customer_id: customerId, pin_hash: pinHash, failed_attempts: 0, locked_until: null, updated_at: now })
    .onConflict((conflict) => conflict.column('customer_id').doUpdateSet({ pin_hash: pinHash, failed_attempts: 0, locked_until: null, updated_at: now }))
    .execute();
}

export async function findPin(db: Db, customerId: string) {
  return db.selectFrom('wallet_pins').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
}

/**
 * Counts a wrong PIN. A lock that has run out starts a fresh count; the try
 * that reaches `attemptsMax` sets the lock; a lock already set is kept, not
 * extended. One UPDATE, so concurrent wrong tries each count.
 */
export async function recordWrongPin(db: Db, customerId: string, now: Date, rule: { attemptsMax: number; lockMs: number }) {
  const tries = sql<number>`case when locked_until is not null and locked_until <= ${now}::timestamptz then 1 else failed_attempts + 1 end`;
  const lockedUntil = new Date(now.getTime() + rule.lockMs);
  const result = await sql<{ failed_attempts: number; locked_until: Date | null }>`
    update wallet_pins
       set failed_attempts = ${tries},
           locked_until = case when locked_until > ${now}::timestamptz then locked_until
                               when ${tries} >= ${rule.attemptsMax} then ${lockedUntil}::timestamptz end,
           updated_at = ${now}::timestamptz
     where customer_id = ${customerId}
    returning failed_attempts, locked_until
  `.execute(db);
  return result.rows[0] ?? { failed_attempts: rule.attemptsMax, locked_until: lockedUntil };
}

/** The PIN was right: the count starts again, and any lock the try set is lifted. */
export async function forgivePinTries(db: Db, customerId: string, now: Date): Promise<void> {
  await db.updateTable('wallet_pins').set({ failed_attempts: 0, locked_until: null, updated_at: now }).where('customer_id', '=', customerId).execute();
}
