/**
 * Payer feedback: the NPS question ("how likely are you to recommend …",
 * 0–10) that the checkout's result page asks after the 1–5 rating. Optional:
 * null where the payer did not answer it.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table payment_feedback add column nps_score integer check (nps_score between 0 and 10)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table payment_feedback drop column if exists nps_score`.execute(db);
}
