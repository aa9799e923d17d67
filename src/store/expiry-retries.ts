/**
 * Which expired payments the expiry sweep takes next, and when it tries again
 * one whose order could not be closed at its provider. A payment is due at its
 * `expires_at`, or at its next try after a failure (migration 0024); the
 * oldest due come first, so a payment that failed goes behind every payment
 * that is due before its next try, and each is reached in bounded time.
 */
import { sql } from 'kysely';
import { abandonableStatuses } from '../domain/payments/payment-state.ts';
import type { Db } from './database.ts';

/**
 * The ids of expired open payments that are due, the longest due first. Candidates come from the expiry watch (migration
 * 0047: no index of `payments` names its status, so status changes are heap-only updates); the payment's own status and
 * expiry decide.
 */
export async function findDueExpiredPaymentIds(db: Db, now: Date, limit: number): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select p.id
      from payment_expiry_watch w
      join payments p on p.id = w.payment_id
      left join payment_expiry_retries r on r.payment_id = p.id
     where w.expires_at <= ${now}::timestamptz
       and p.status in (${sql.join([...abandonableStatuses])})
       and p.expires_at <= ${now}::timestamptz
       and (r.next_try_at is null or r.next_try_at <= ${now}::timestamptz)
     order by coalesce(r.next_try_at, p.expires_at), p.id
     limit ${limit}`.execute(db);
  return result.rows.map((row) => row.id);
}

/**
 * Deletes up to `limit` watch rows past `now` whose payment is final (`succeeded` and `canceled` are never left) or
 * gone (archived); answers how many. A payment still `processing` or awaiting capture keeps its row: a declined
 * attempt makes it open again. Safe from several workers at once (a row two of them chose is deleted once).
 */
export async function pruneExpiryWatch(db: Db, now: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from payment_expiry_watch
     where ctid = any(array(
       select w.ctid
         from payment_expiry_watch w
         left join payments p on p.id = w.payment_id
        where w.expires_at <= ${now}::timestamptz
          and (p.id is null or p.status in ('succeeded', 'canceled'))
        limit ${limit}))`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Records a failed try and when to try again: `delayMs(tries)` after `now`. Answers the number of tries so far. */
export async function postponeExpiry(db: Db, payment: { id: string; merchant_id: string }, now: Date, delayMs: (tries: number) => number): Promise<number> {
  const current = await sql<{ tries: number }>`select tries from payment_expiry_retries where payment_id = ${payment.id} and merchant_id = ${payment.merchant_id}`.execute(db);
  const tries = (current.rows[0]?.tries ?? 0) + 1;
  const next = new Date(now.getTime() + delayMs(tries));
  await sql`
    insert into payment_expiry_retries (payment_id, merchant_id, tries, next_try_at) values (${payment.id}, ${payment.merchant_id}, ${tries}, ${next}::timestamptz)
    on conflict on constraint payment_expiry_retries_pkey do update set tries = excluded.tries, next_try_at = excluded.next_try_at`.execute(db);
  return tries;
}
