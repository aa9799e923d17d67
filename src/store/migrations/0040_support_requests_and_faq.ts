/**
 * Payers asking for help on a payment, and each merchant's FAQ.
 *
 * A support request belongs to one payment; its thread is `support_messages`
 * (the payer's first message included), and what happened to it over time is
 * `support_request_events` (resolved, reopened), both append-only, so every
 * figure the analytics report can be recounted from them. The request keeps
 * the times the figures read (first merchant reply, first resolution, the
 * merchant replies before it, reopenings), set in the statement that appends
 * the row they come from.
 *
 * FAQ entries are per merchant, mode and language; every payer search is
 * kept (normalized query and how many entries answered it) for the top and
 * unanswered queries.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table support_requests (
      id text primary key,
      merchant_id text not null,
      mode text not null,
      payment_id text not null references payments (id),
      customer_id text,
      category text not null check (category in ('payment_problem', 'refund', 'order_status', 'product', 'other')),
      contact_preference text not null check (contact_preference in ('email', 'sms')),
      contact_email text,
      contact_phone text,
      locale text not null,
      status text not null check (status in ('open', 'answered', 'resolved')),
      created_at timestamptz not null,
      updated_at timestamptz not null,
      first_response_at timestamptz,
      first_resolved_at timestamptz,
      resolved_at timestamptz,
      replies_before_first_resolution integer not null default 0,
      reopen_count integer not null default 0,
      check ((contact_preference = 'email' and contact_email is not null) or (contact_preference = 'sms' and contact_phone is not null)),
      check (first_response_at is null or first_response_at >= created_at),
      check (first_resolved_at is null or first_resolved_at >= created_at)
    );
    create index support_requests_by_merchant on support_requests (merchant_id, mode, created_at desc, id desc);
    create index support_requests_by_payment on support_requests (payment_id, id);

    create table support_messages (
      id text primary key,
      request_id text not null references support_requests (id),
      author text not null check (author in ('payer', 'merchant')),
      body text not null check (length(body) between 1 and 2000),
      created_at timestamptz not null
    );
    create index support_messages_by_request on support_messages (request_id, created_at, id);

    create table support_request_events (
      id text primary key,
      request_id text not null references support_requests (id),
      type text not null check (type in ('resolved', 'reopened')),
      actor text not null check (actor in ('payer', 'merchant')),
      created_at timestamptz not null
    );
    create index support_request_events_by_request on support_request_events (request_id, created_at, id);

    create table faq_entries (
      id text primary key,
      merchant_id text not null,
      mode text not null,
      locale text not null check (locale in ('en', 'zh-CN', 'zh-TW')),
      question text not null check (length(question) between 1 and 300),
      answer text not null check (length(answer) between 1 and 4000),
      position integer not null default 0,
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index faq_entries_by_merchant on faq_entries (merchant_id, mode, locale, position, id);

    create table faq_searches (
      id bigint generated always as identity primary key,
      merchant_id text not null,
      mode text not null,
      locale text not null,
      query text not null check (length(query) between 1 and 100),
      results integer not null check (results >= 0),
      created_at timestamptz not null
    );
    create index faq_searches_by_merchant on faq_searches (merchant_id, mode, created_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists faq_searches, faq_entries, support_request_events, support_messages, support_requests`.execute(db);
}
