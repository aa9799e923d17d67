/**
 * The size of each webhook answer, beside its status. The delivery log keeps
 * the first kilobyte of an answer only when it came from a public address:
 * an endpoint that reaches a private one (allowed in test mode when the
 * operator says so) must not turn the log into a way of reading internal
 * services, so for it the log holds the status and this size alone.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table webhook_delivery_attempts add column response_bytes integer check (response_bytes >= 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table webhook_delivery_attempts drop column response_bytes`.execute(db);
}
