/** What payers wrote with their rating, for the console's feedback page: newest first, over payments created in a range. */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';

export interface FeedbackCommentRow {
  payment_id: string;
  rating: number;
  nps_score: number | null;
  comment: string;
  created_at: Date;
}

/**
 * Ratings that came with a comment, on payments created in `[from, to)`,
 * newest first; `startingAfter` is the payment id of the previous page's
 * last row (keyset on the feedback's time, then the payment id).
 */
export async function listFeedbackComments(
  db: Db,
  scope: Scope,
  query: { from: Date; to: Date; limit: number; startingAfter?: string },
): Promise<{ data: FeedbackCommentRow[]; hasMore: boolean }> {
  const after = query.startingAfter
    ? sql`and (f.created_at, f.payment_id) < (select c.created_at, c.payment_id from payment_feedback c where c.payment_id = ${query.startingAfter} and c.merchant_id = ${scope.merchantId})`
    : sql``;
  const result = await sql<FeedbackCommentRow>`
    select f.payment_id, f.rating, f.nps_score, f.comment, f.created_at
      from payment_feedback f
     where f.merchant_id = ${scope.merchantId} and f.mode = ${scope.mode}
       and f.payment_created_at >= ${query.from} and f.payment_created_at < ${query.to}
       and f.comment is not null and f.comment <> ''
       -- The console's page lists comments with their rating; a comment left with an emailed survey's answer alone has none.
       and f.rating is not null
       ${after}
     order by f.created_at desc, f.payment_id desc
     limit ${query.limit + 1}
  `.execute(db);
  return { data: result.rows.slice(0, query.limit), hasMore: result.rows.length > query.limit };
}
