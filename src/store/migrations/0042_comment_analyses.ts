/**
 * What payers wrote, analyzed: one row per free-text comment with its
 * language, sentiment (and score) and topics, computed by the worker
 * (job `analyze_comments`).
 *
 * - `comment_analysis_queue`: comments waiting for the worker, one row per
 *   comment, appended by triggers in the statement that writes the comment
 *   (a rating's comment, a cancellation's comment). The worker deletes the
 *   rows it takes in the transaction that writes their analyses, so a crash
 *   leaves them queued and the retry redoes the whole batch.
 * - `comment_analyses`: keyed by (source, source_id), so analyzing a comment
 *   again replaces its row and never counts it twice. `source` names the
 *   table the comment lives in: `rating` (payment_feedback, by payment id),
 *   `cancellation` (cancellation_records, by payment id) and
 *   `support_request` (reserved for the support requests: their migration
 *   adds its own trigger on `comment_analysis_queue`). The comment's text is
 *   not copied: it stays where it was written. What the analytics group by
 *   (merchant, mode, time of the comment, payment method, cancellation
 *   reason) is copied so they read this table alone.
 *
 * The comments already written are queued here, so the worker analyzes
 * them once this migration is applied.
 *
 * Frozen: imports no application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table comment_analysis_queue (
      id bigint generated always as identity primary key,
      source text not null check (source in ('rating', 'cancellation', 'support_request')),
      source_id text not null,
      unique (source, source_id)
    );

    create table comment_analyses (
      source text not null check (source in ('rating', 'cancellation', 'support_request')),
      source_id text not null,
      merchant_id text not null,
      mode text not null,
      payment_id text,
      language text not null check (language in ('en', 'zh-CN', 'zh-TW', 'und')),
      sentiment text not null check (sentiment in ('negative', 'neutral', 'positive')),
      sentiment_score numeric(5, 4) not null check (sentiment_score between -1 and 1),
      topics text[] not null,
      payment_method_type text,
      cancellation_reason text,
      commented_at timestamptz not null,
      analyzer_version integer not null,
      analyzed_at timestamptz not null,
      primary key (source, source_id)
    );
    create index comment_analyses_by_merchant on comment_analyses (merchant_id, mode, commented_at desc);

    create function comment_analysis_enqueue() returns trigger language plpgsql as $$
    begin
      if new.comment is not null and btrim(new.comment) <> '' then
        insert into comment_analysis_queue (source, source_id) values (tg_argv[0], new.payment_id)
          on conflict (source, source_id) do nothing;
      end if;
      return null;
    end
    $$;
    create trigger payment_feedback_comment_analysis after insert or update of comment on payment_feedback
      for each row execute function comment_analysis_enqueue('rating');
    create trigger cancellation_records_comment_analysis after insert or update of comment on cancellation_records
      for each row execute function comment_analysis_enqueue('cancellation');

    insert into comment_analysis_queue (source, source_id)
    select 'rating', payment_id from payment_feedback where comment is not null and btrim(comment) <> '' order by created_at, payment_id;
    insert into comment_analysis_queue (source, source_id)
    select 'cancellation', payment_id from cancellation_records where comment is not null and btrim(comment) <> '' order by created_at, payment_id;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger if exists cancellation_records_comment_analysis on cancellation_records;
    drop trigger if exists payment_feedback_comment_analysis on payment_feedback;
    drop function if exists comment_analysis_enqueue();
    drop table if exists comment_analyses;
    drop table if exists comment_analysis_queue;
  `.execute(db);
}
