/**
 * Room for a key's completion on its own page. A key is inserted small (the
 * claim) and updated once, soon after, with the whole answer (a payment's
 * JSON, 1–2 KB): the update touches no indexed column, so it can be
 * heap-only (HOT, no new entry in the primary key or the age index) when the
 * new version fits on the page. With pages filled to the brim by inserts,
 * only about 40 % of completions did (`n_tup_hot_upd`, `npm run bench`);
 * `fillfactor` 50 leaves half of each new page for them.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table idempotency_keys set (fillfactor = 50)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table idempotency_keys reset (fillfactor)`.execute(db);
}
