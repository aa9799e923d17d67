/**
 * Feedback themes as the analytics report them, folded from counts of
 * analyzed comments (one analysis per comment: src/store/comment-analyses.ts).
 *
 * - `comments`: analyzed comments written in the range; `negative`,
 *   `neutral`, `positive` split them by sentiment.
 * - `average_score`: the mean of their scores (−1…1), exact on the stored
 *   4-decimal scores, rounded half away from zero to 4 decimals; null
 *   without comments.
 * - `topics`: comments that have each topic (a comment may have several or
 *   none, so these do not add up to `comments`).
 */
import { assert } from '../../assert.ts';
import { sentiments, type Sentiment } from './analyze-comment.ts';
import { commentTopics, type CommentTopic } from './topics.ts';

export interface ThemeGroup {
  dimension: 'all' | 'bucket' | 'channel' | 'reason';
  key: string | null;
  sentiment: Sentiment;
  topic: string | null;
  comments: number;
  scoreSum: string;
}

export interface SentimentFigures {
  comments: number;
  negative: number;
  neutral: number;
  positive: number;
  average_score: number | null;
}

export type TopicCounts = Record<CommentTopic, number>;

/** Where a comment was written: a rating, a cancellation, a support request. */
export const commentSources = ['rating', 'cancellation', 'support_request'] as const;
export type CommentSourceName = (typeof commentSources)[number];

export interface ThemeExample {
  source: CommentSourceName;
  source_id: string;
  sentiment: Sentiment;
  score: number;
  language: string;
  created_at: string;
  /** With any email address or phone number in it masked. */
  text: string;
}

export interface FeedbackThemes {
  totals: SentimentFigures & { topics: TopicCounts };
  topics: (SentimentFigures & { topic: CommentTopic; examples: ThemeExample[] })[];
  timeseries: (SentimentFigures & { period_start: string; topics: TopicCounts })[];
  by_channel: (SentimentFigures & { payment_method_type: string; topics: TopicCounts })[];
  by_cancellation_reason: (SentimentFigures & { cancellation_reason: string; topics: TopicCounts })[];
}

export function foldThemes(groups: readonly ThemeGroup[], examples: ReadonlyMap<string, ThemeExample[]>): FeedbackThemes {
  const sentimentGroups = groups.filter((g) => g.topic === null);
  const topicGroups = groups.filter((g) => g.topic !== null && (commentTopics as readonly string[]).includes(g.topic));
  const keysOf = (dimension: ThemeGroup['dimension']) => [...new Set(sentimentGroups.filter((g) => g.dimension === dimension).map((g) => g.key ?? ''))].sort();
  const figuresOf = (dimension: ThemeGroup['dimension'], key: string | null, topic: string | null) =>
    sentimentFigures(
      (topic === null ? sentimentGroups : topicGroups).filter((g) => g.dimension === dimension && (dimension === 'all' || g.key === key) && g.topic === topic),
    );
  const topicCountsOf = (dimension: ThemeGroup['dimension'], key: string | null) =>
    Object.fromEntries(
      commentTopics.map((topic) => [topic, topicGroups.filter((g) => g.dimension === dimension && (dimension === 'all' || g.key === key) && g.topic === topic).reduce((n, g) => n + g.comments, 0)]),
    ) as TopicCounts;
  return {
    totals: { ...figuresOf('all', null, null), topics: topicCountsOf('all', null) },
    topics: commentTopics.map((topic) => ({ topic, ...figuresOf('all', null, topic), examples: examples.get(topic) ?? [] })),
    timeseries: keysOf('bucket').map((key) => ({ period_start: key, ...figuresOf('bucket', key, null), topics: topicCountsOf('bucket', key) })),
    by_channel: keysOf('channel').map((key) => ({ payment_method_type: key, ...figuresOf('channel', key, null), topics: topicCountsOf('channel', key) })),
    by_cancellation_reason: keysOf('reason').map((key) => ({ cancellation_reason: key, ...figuresOf('reason', key, null), topics: topicCountsOf('reason', key) })),
  };
}

function sentimentFigures(groups: readonly ThemeGroup[]): SentimentFigures {
  const counts: Record<Sentiment, number> = { negative: 0, neutral: 0, positive: 0 };
  let scoreSum = 0n;
  for (const group of groups) {
    assert(sentiments.includes(group.sentiment), 'a stored sentiment is one of the three');
    counts[group.sentiment] += group.comments;
    scoreSum += scaledScore(group.scoreSum);
  }
  const comments = counts.negative + counts.neutral + counts.positive;
  return { comments, ...counts, average_score: comments === 0 ? null : averageScore(scoreSum, comments) };
}

const scoreDecimals = 4;

/** "-1.2345" → −12345n: the stored scores are numeric(5, 4), so their sums are exact at 4 decimals. */
export function scaledScore(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  assert(match !== null, 'a sum of scores is a decimal number');
  const fraction = (match[3] ?? '').padEnd(scoreDecimals, '0');
  assert(fraction.length === scoreDecimals || /^0+$/.test(fraction.slice(scoreDecimals)), 'scores have at most 4 decimals');
  const magnitude = BigInt(match[2] ?? '0') * 10n ** BigInt(scoreDecimals) + BigInt(fraction.slice(0, scoreDecimals));
  return match[1] === '-' ? -magnitude : magnitude;
}

/** sum / count rounded half away from zero to 4 decimals (sum scaled by 10⁴). */
function averageScore(scaledSum: bigint, count: number): number {
  const negative = scaledSum < 0n;
  const magnitude = negative ? -scaledSum : scaledSum;
  const d = BigInt(count);
  const rounded = (2n * magnitude + d) / (2n * d);
  return (negative ? -1 : 1) * (Number(rounded) / 10 ** scoreDecimals);
}
