/**
 * Each customer's payment PIN hash, the count of wrong tries in a row, and
 * the tries being checked right now.
 *
 * A try is reserved before the (slow) PIN check, in the statement that checks
 * the lock and the limit, then judged: so however many guesses arrive at
 * once, at most `attemptsMax` wrong ones are ever checked per lock window.
 * A payer rightly paying several orders at once is refused only while
 * `attemptsMax` tries are being checked together, for milliseconds.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';

export async function savePin(db: Db, customer: { id: string; merchant_id: string }, pinHash: string, now: Date): Promise<void> {
  await db
    .insertInto('wallet_pins')
    .values({ customer_id: customer.id, merchant_id: customer.merchant_id, pin_hash: pinHash, failed_attempts: 0, locked_until: null, updated_at: now })
    .onConflict((conflict) =>
      conflict.constraint('wallet_pins_pkey').doUpdateSet({ pin_hash: pinHash, failed_attempts: 0, locked_until: null, tries_in_flight: 0, in_flight_since: null, updated_at: now }),
    )
    .execute();
}

/** A customer's PIN, named by the customer and its merchant (every statement here names both). */
export interface PinOwner {
  id: string;
  merchant_id: string;
}

export async function findPin(db: Db, customer: PinOwner) {
  return db.selectFrom('wallet_pins').selectAll().where('merchant_id', '=', customer.merchant_id).where('customer_id', '=', customer.id).executeTakeFirst();
}

export interface PinRule {
  attemptsMax: number;
  lockMs: number;
  /** A reservation this old belongs to a request that died; it no longer counts. */
  reservationTtlMs: number;
}

export type PinReservation =
  /** `countedBefore`: the wrong tries counted when this one was reserved; a right PIN forgives those, not later ones. */
  | { kind: 'reserved'; countedBefore: number }
  | { kind: 'refused'; failedAttempts: number; lockedUntil: Date | null; inFlightSince: Date | null };

/**
 * Reserves one try before the PIN is checked, in the statement that checks
 * the lock and the limit: wrong tries counted and tries still being checked
 * together stay below `attemptsMax`, so parallel guesses cannot outrun it.
 * A lock that has run out starts a fresh count. Refused while locked, or
 * while the tries left are all being checked (the caller may wait for them).
 */
export async function reservePinTry(db: Db, customer: PinOwner, now: Date, rule: PinRule): Promise<PinReservation> {
  const expired = sql<boolean>`(locked_until is not null and locked_until <= ${now}::timestamptz)`;
  const counted = sql<number>`case when ${expired} then 0 else failed_attempts end`;
  const inFlight = sql<number>`case when in_flight_since is null or in_flight_since <= ${new Date(now.getTime() - rule.reservationTtlMs)}::timestamptz then 0 else tries_in_flight end`;
  const reserved = await sql<{ failed_attempts: number }>`
    update wallet_pins
       set failed_attempts = ${counted},
           locked_until = case when ${expired} then null else locked_until end,
           tries_in_flight = ${inFlight} + 1,
           in_flight_since = ${now}::timestamptz
     where merchant_id = ${customer.merchant_id} and customer_id = ${customer.id}
       and (locked_until is null or ${expired})
       and ${counted} + ${inFlight} < ${rule.attemptsMax}
    returning failed_attempts
  `.execute(db);
  const row = reserved.rows[0];
  if (row) return { kind: 'reserved', countedBefore: row.failed_attempts };
  const stored = await findPin(db, customer);
  return { kind: 'refused', failedAttempts: stored?.failed_attempts ?? rule.attemptsMax, lockedUntil: stored?.locked_until ?? null, inFlightSince: stored?.in_flight_since ?? null };
}

/**
 * Judges a reserved try. A wrong PIN counts, and the one that reaches
 * `attemptsMax` locks. A right PIN forgives the wrong tries counted before it
 * was reserved (so it resets the count, as tried one after another), but not
 * those judged while it was checked, and it never lifts a lock. One UPDATE.
 */
export async function judgePinTry(db: Db, customer: PinOwner, now: Date, judged: { right: boolean; countedBefore: number }, rule: PinRule) {
  const right = judged.right;
  const release = sql<number>`greatest(tries_in_flight - 1, 0)`;
  const lockedUntil = new Date(now.getTime() + rule.lockMs);
  const result = right
    ? await sql<{ failed_attempts: number; locked_until: Date | null }>`
        update wallet_pins
           set tries_in_flight = ${release},
               failed_attempts = greatest(failed_attempts - ${judged.countedBefore}, 0),
               updated_at = ${now}::timestamptz
         where merchant_id = ${customer.merchant_id} and customer_id = ${customer.id}
        returning failed_attempts, locked_until`.execute(db)
    : await sql<{ failed_attempts: number; locked_until: Date | null }>`
        update wallet_pins
           set tries_in_flight = ${release},
               failed_attempts = failed_attempts + 1,
               locked_until = case when locked_until > ${now}::timestamptz then locked_until
                                   when failed_attempts + 1 >= ${rule.attemptsMax} then ${lockedUntil}::timestamptz end,
               updated_at = ${now}::timestamptz
         where merchant_id = ${customer.merchant_id} and customer_id = ${customer.id}
        returning failed_attempts, locked_until`.execute(db);
  return result.rows[0] ?? { failed_attempts: rule.attemptsMax, locked_until: lockedUntil };
}
