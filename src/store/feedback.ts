/**
 * Payer feedback as analytics reads it: counts per rating and NPS score over
 * payments created in a range (each rating carries its payment's mode and
 * creation time: migration 0027).
 */
import { sql } from 'kysely';
import type { FeedbackCount } from '../domain/insight/feedback.ts';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';

export async function feedbackCounts(db: Db, scope: Scope, range: { from: Date; to: Date }): Promise<FeedbackCount[]> {
  const result = await sql<{ rating: number; nps_score: number | null; count: number }>`
    select f.rating, f.nps_score, count(*)::int as count
      from payment_feedback f
     where f.merchant_id = ${scope.merchantId} and f.mode = ${scope.mode}
       and f.payment_created_at >= ${range.from} and f.payment_created_at < ${range.to}
     group by f.rating, f.nps_score
  `.execute(db);
  return result.rows.map((row) => ({ rating: row.rating, npsScore: row.nps_score, count: row.count }));
}
