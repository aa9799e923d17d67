/**
 * Drops `payments_by_status`. Without column statistics the planner chose it
 * for a lookup by id (reading every entry of the merchant), and as an index
 * on `status` it made every status change rewrite it. Lists filtered by status
 * use `payments_by_merchant` and filter.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists payments_by_status`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index if not exists payments_by_status on payments (merchant_id, mode, status, id desc)`.execute(db);
}
