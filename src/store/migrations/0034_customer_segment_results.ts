/**
 * Kept customer segmentations: k-means over a merchant's customers takes
 * about half a second at a million payments, so each answer is kept, one row
 * per (merchant, mode, question), with when it was computed. A question is
 * the range (or `default`: the rolling last 90 days), currency, k,
 * min_payments and locale, spelled by the application as `key`. A refresh
 * replaces the row in one statement, and only with a newer computation, so
 * one that dies leaves the previous answer and two at once leave the newer.
 *
 * `answer` is the JSON answer without its members; `members` (one entry per
 * customer, read only for CSV) is kept apart so the JSON answer does not
 * read them. Both are text, exactly as the application wrote them.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table customer_segment_results (
      merchant_id text not null,
      mode text not null,
      key text not null,
      computed_at timestamptz not null,
      range_from timestamptz not null,
      range_to timestamptz not null,
      answer text not null,
      members text not null,
      primary key (merchant_id, mode, key)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists customer_segment_results`.execute(db);
}
