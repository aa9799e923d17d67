/**
 * Queued emails and SMS carry one-time codes and order-page links, which
 * must not be readable in the database (or in a backup of it). Their bodies
 * are now sealed (AES-256-GCM under a key derived from the master key) into
 * `body_sealed`, and `body_text` / `body_html` stay empty. Rows queued before
 * this migration keep their clear bodies and are still sent as they are.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table messages
      add column body_sealed bytea,
      alter column body_text drop not null,
      add constraint messages_body_present check (body_text is not null or body_sealed is not null);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table messages drop constraint if exists messages_body_present;
    alter table messages drop column if exists body_sealed;
  `.execute(db);
}
