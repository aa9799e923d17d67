/**
 * The console's feedback page lists a merchant's comments newest first:
 * without an index the whole table was read and joined to payments for
 * every page of comments.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index payment_feedback_by_merchant on payment_feedback (merchant_id, created_at desc, payment_id desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists payment_feedback_by_merchant`.execute(db);
}
