/**
 * The analyses of payers' comments (migration 0042): the worker takes
 * queued comments and writes their analyses in one transaction; the
 * analytics read them grouped, with a few example comments read from where
 * they were written.
 *
 * Support requests add their comments by adding a source here: a trigger
 * queuing (`support_request`, id), a branch in `loadQueuedComments` and one
 * in the examples' text.
 */
import { sql } from 'kysely';
import type { Db } from './database.ts';
import type { Scope } from './payments.ts';
import type { CommentSource, Mode } from './schema.ts';

export interface QueuedComment {
  source: CommentSource;
  sourceId: string;
  merchantId: string;
  mode: Mode;
  paymentId: string | null;
  text: string;
  paymentMethodType: string | null;
  cancellationReason: string | null;
  commentedAt: Date;
}

/**
 * Takes up to `limit` queued comments, oldest first, skipping those another
 * worker holds. Call inside the transaction that saves their analyses: the
 * rows are deleted by it, and come back if it does not commit.
 */
export async function takeQueuedComments(tx: Db, limit: number): Promise<{ source: CommentSource; sourceId: string }[]> {
  const taken = await sql<{ source: CommentSource; source_id: string }>`
    delete from comment_analysis_queue
     where id in (select id from comment_analysis_queue order by id limit ${limit} for update skip locked)
    returning source, source_id
  `.execute(tx);
  return taken.rows.map((row) => ({ source: row.source, sourceId: row.source_id }));
}

/** The comments of those queue rows, as written; one that is gone (archived) or now empty is left out. */
export async function loadQueuedComments(tx: Db, taken: readonly { source: CommentSource; sourceId: string }[]): Promise<QueuedComment[]> {
  const ids = (source: CommentSource) => taken.filter((t) => t.source === source).map((t) => t.sourceId);
  const ratingIds = ids('rating');
  const cancellationIds = ids('cancellation');
  const [ratings, cancellations] = await Promise.all([
    ratingIds.length === 0
      ? []
      : tx
          .selectFrom('payment_feedback as f')
          .innerJoin('payments as p', 'p.id', 'f.payment_id')
          .select(['f.payment_id', 'f.merchant_id', 'f.mode', 'f.comment', 'f.created_at', sql<string | null>`p.payment_method ->> 'type'`.as('payment_method_type')])
          .where('f.payment_id', 'in', ratingIds)
          .execute(),
    cancellationIds.length === 0
      ? []
      : tx
          .selectFrom('cancellation_records')
          .select(['payment_id', 'merchant_id', 'mode', 'comment', 'created_at', 'payment_method_type', 'reason'])
          .where('payment_id', 'in', cancellationIds)
          .execute(),
  ]);
  const comments: QueuedComment[] = [];
  for (const r of ratings) {
    if (!r.comment?.trim()) continue;
    comments.push({
      source: 'rating', sourceId: r.payment_id, merchantId: r.merchant_id, mode: r.mode as Mode, paymentId: r.payment_id, text: r.comment,
      paymentMethodType: r.payment_method_type, cancellationReason: null, commentedAt: r.created_at,
    });
  }
  for (const c of cancellations) {
    if (!c.comment?.trim()) continue;
    comments.push({
      source: 'cancellation', sourceId: c.payment_id, merchantId: c.merchant_id, mode: c.mode as Mode, paymentId: c.payment_id, text: c.comment,
      paymentMethodType: c.payment_method_type, cancellationReason: c.reason, commentedAt: c.created_at,
    });
  }
  return comments;
}

export interface CommentAnalysisRow {
  comment: QueuedComment;
  language: string;
  sentiment: 'negative' | 'neutral' | 'positive';
  score: number;
  topics: string[];
  analyzerVersion: number;
}

/** One row per comment: analyzing a comment again replaces its row, so it is never counted twice. */
export async function saveCommentAnalyses(tx: Db, rows: readonly CommentAnalysisRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx
    .insertInto('comment_analyses')
    .values(
      rows.map(({ comment, ...analysis }) => ({
        source: comment.source,
        source_id: comment.sourceId,
        merchant_id: comment.merchantId,
        mode: comment.mode,
        payment_id: comment.paymentId,
        language: analysis.language as 'en',
        sentiment: analysis.sentiment,
        sentiment_score: analysis.score.toFixed(4),
        topics: analysis.topics,
        payment_method_type: comment.paymentMethodType,
        cancellation_reason: comment.cancellationReason,
        commented_at: comment.commentedAt,
        analyzer_version: analysis.analyzerVersion,
        analyzed_at: now,
      })),
    )
    .onConflict((conflict) =>
      conflict.constraint('comment_analyses_pkey').doUpdateSet((eb) => ({
        language: eb.ref('excluded.language'),
        sentiment: eb.ref('excluded.sentiment'),
        sentiment_score: eb.ref('excluded.sentiment_score'),
        topics: eb.ref('excluded.topics'),
        payment_method_type: eb.ref('excluded.payment_method_type'),
        cancellation_reason: eb.ref('excluded.cancellation_reason'),
        analyzer_version: eb.ref('excluded.analyzer_version'),
        analyzed_at: eb.ref('excluded.analyzed_at'),
      })),
    )
    .execute();
}

export type ThemeInterval = 'day' | 'week' | 'month';

export interface ThemeQuery {
  from: Date;
  to: Date;
  interval: ThemeInterval;
  source?: CommentSource;
}

/** A count of analyzed comments: overall (`dimension` all), per time bucket, per payment method or per cancellation reason. */
export interface ThemeGroupRow {
  dimension: 'all' | 'bucket' | 'channel' | 'reason';
  key: string | null;
  sentiment: 'negative' | 'neutral' | 'positive';
  /** Null for the sentiment groups; the topic for topic groups. */
  topic: string | null;
  comments: number;
  /** Exact sum of the scores (numeric), as text. */
  scoreSum: string;
}

function filtered(scope: Scope, query: ThemeQuery) {
  const source = query.source ? sql`and a.source = ${query.source}` : sql``;
  return sql`
    select to_char(date_trunc(${query.interval}, a.commented_at at time zone 'UTC'), 'YYYY-MM-DD') as bucket,
           coalesce(a.payment_method_type, 'unknown') as channel,
           a.cancellation_reason as reason, a.sentiment, a.sentiment_score, a.topics
      from comment_analyses a
     where a.merchant_id = ${scope.merchantId} and a.mode = ${scope.mode}
       and a.commented_at >= ${query.from} and a.commented_at < ${query.to} ${source}`;
}

/** Counts by sentiment and by topic and sentiment, each overall and per bucket, channel and cancellation reason. */
export async function commentThemeGroups(db: Db, scope: Scope, query: ThemeQuery): Promise<ThemeGroupRow[]> {
  const dimension = sql`case when grouping(bucket) = 0 then 'bucket' when grouping(channel) = 0 then 'channel' when grouping(reason) = 0 then 'reason' else 'all' end`;
  const key = sql`case when grouping(bucket) = 0 then bucket when grouping(channel) = 0 then channel when grouping(reason) = 0 then reason end`;
  const result = await sql<{ dimension: ThemeGroupRow['dimension']; key: string | null; sentiment: ThemeGroupRow['sentiment']; topic: string | null; comments: number; score_sum: string }>`
    with a as (${filtered(scope, query)})
    select ${dimension} as dimension, ${key} as key, sentiment, null::text as topic, count(*)::int as comments, sum(sentiment_score)::text as score_sum
      from a
     group by grouping sets ((sentiment), (bucket, sentiment), (channel, sentiment), (reason, sentiment))
    union all
    select ${dimension}, ${key}, sentiment, topic, count(*)::int, sum(sentiment_score)::text
      from a cross join lateral unnest(a.topics) as t(topic)
     group by grouping sets ((topic, sentiment), (bucket, topic, sentiment), (channel, topic, sentiment), (reason, topic, sentiment))
  `.execute(db);
  return result.rows
    .filter((row) => row.dimension !== 'reason' || row.key !== null)
    .map((row) => ({ dimension: row.dimension, key: row.key, sentiment: row.sentiment, topic: row.topic, comments: row.comments, scoreSum: row.score_sum }));
}

export interface ExampleCommentRow {
  topic: string;
  source: CommentSource;
  sourceId: string;
  sentiment: 'negative' | 'neutral' | 'positive';
  score: number;
  language: string;
  commentedAt: Date;
  text: string;
}

/** The latest `perTopic` comments of each topic whose text is still where it was written, newest first. */
export async function exampleComments(db: Db, scope: Scope, query: ThemeQuery, topics: readonly string[], perTopic: number): Promise<ExampleCommentRow[]> {
  if (topics.length === 0) return [];
  const source = query.source ? sql`and a.source = ${query.source}` : sql``;
  const result = await sql<{ topic: string; source: CommentSource; source_id: string; sentiment: ExampleCommentRow['sentiment']; score: string; language: string; commented_at: Date; text: string }>`
    select t.topic, e.*
      from unnest(${[...topics]}::text[]) as t(topic)
      cross join lateral (
        select a.source, a.source_id, a.sentiment, a.sentiment_score::text as score, a.language, a.commented_at, coalesce(f.comment, c.comment) as text
          from comment_analyses a
          left join payment_feedback f on a.source = 'rating' and f.payment_id = a.source_id
          left join cancellation_records c on a.source = 'cancellation' and c.payment_id = a.source_id
         where a.merchant_id = ${scope.merchantId} and a.mode = ${scope.mode}
           and a.commented_at >= ${query.from} and a.commented_at < ${query.to} ${source}
           and a.topics @> array[t.topic] and coalesce(f.comment, c.comment) is not null
         order by a.commented_at desc, a.source_id desc
         limit ${perTopic}
      ) e
  `.execute(db);
  return result.rows.map((row) => ({
    topic: row.topic, source: row.source, sourceId: row.source_id, sentiment: row.sentiment, score: Number(row.score),
    language: row.language, commentedAt: new Date(row.commented_at), text: row.text,
  }));
}
