/**
 * What the console shows and changes that had no home yet:
 *
 * - merchants gain `support_phone` and `time_zone` (an IANA name; ranges and
 *   times in the console are shown in it).
 * - `api_request_log`: the merchant's recent /v1 requests for the Developers
 *   page (method, path without its query string, status, error code,
 *   duration, key or member), written in batches by the API process and
 *   pruned by age. Never bodies, headers or secrets. No foreign keys: a row
 *   must never slow or fail the request it describes.
 * - customers can be found by email (the console's customer search).
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table merchants add column support_phone text, add column time_zone text not null default 'UTC';

    create table api_request_log (
      seq bigint generated always as identity primary key,
      request_id text not null,
      merchant_id text not null,
      mode text check (mode in ('test', 'live')),
      key_id text,
      member_id text,
      method text not null,
      path text not null,
      route text,
      status smallint not null,
      error_code text,
      duration_ms integer not null check (duration_ms >= 0),
      occurred_at timestamptz not null
    );
    create index api_request_log_by_merchant on api_request_log (merchant_id, seq desc);
    create index api_request_log_by_time on api_request_log using brin (occurred_at);

    create index customers_by_email on customers (merchant_id, mode, lower(email) text_pattern_ops) where email is not null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists customers_by_email;
    drop table if exists api_request_log;
    alter table merchants drop column if exists support_phone, drop column if exists time_zone;
  `.execute(db);
}
