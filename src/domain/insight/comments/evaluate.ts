/**
 * How well the analyzer agrees with labelled comments: sentiment accuracy,
 * precision and recall per sentiment, and topic precision and recall
 * (micro-averaged over every comment × topic pair, and per topic). Used by
 * `npm run bench:sentiment` and by the unit test that asserts a floor on
 * the fixed sample in test/fixtures/feedback-labelled.
 */
import { analyzeComment, sentiments, type Sentiment } from './analyze-comment.ts';
import { commentTopics, type CommentTopic } from './topics.ts';

export interface LabelledComment {
  text: string;
  sentiment: Sentiment;
  topics: CommentTopic[];
}

export interface PrecisionRecall {
  /** Null when nothing was predicted (precision) or labelled (recall). */
  precision: number | null;
  recall: number | null;
  support: number;
}

export interface Evaluation {
  comments: number;
  sentimentAccuracy: number;
  sentimentByClass: Record<Sentiment, PrecisionRecall>;
  /** Over every (comment, topic) pair. */
  topicMicro: PrecisionRecall;
  topicByName: Record<CommentTopic, PrecisionRecall>;
  /** Comments whose predicted topic set equals the labelled one. */
  topicExactMatch: number;
  /** Comments the analyzer put in `language` (zh-CN and zh-TW are told apart by script). */
  languageAccuracy: number;
  mistakes: { text: string; expected: string; got: string }[];
}

export function evaluate(labelled: readonly LabelledComment[], language: string): Evaluation {
  const sentimentCounts = Object.fromEntries(sentiments.map((s) => [s, { truePositive: 0, predicted: 0, actual: 0 }])) as Record<Sentiment, Counts>;
  const topicCounts = Object.fromEntries(commentTopics.map((t) => [t, { truePositive: 0, predicted: 0, actual: 0 }])) as Record<CommentTopic, Counts>;
  let correct = 0;
  let exact = 0;
  let languageCorrect = 0;
  const mistakes: Evaluation['mistakes'] = [];
  for (const comment of labelled) {
    const analysis = analyzeComment(comment.text);
    if (analysis.language === language) languageCorrect += 1;
    sentimentCounts[comment.sentiment].actual += 1;
    sentimentCounts[analysis.sentiment].predicted += 1;
    if (analysis.sentiment === comment.sentiment) {
      correct += 1;
      sentimentCounts[comment.sentiment].truePositive += 1;
    }
    for (const topic of commentTopics) {
      const expected = comment.topics.includes(topic);
      const got = analysis.topics.includes(topic);
      if (expected) topicCounts[topic].actual += 1;
      if (got) topicCounts[topic].predicted += 1;
      if (expected && got) topicCounts[topic].truePositive += 1;
    }
    const sameTopics = analysis.topics.length === comment.topics.length && analysis.topics.every((t) => comment.topics.includes(t));
    if (sameTopics) exact += 1;
    if (analysis.sentiment !== comment.sentiment || !sameTopics) {
      mistakes.push({ text: comment.text, expected: `${comment.sentiment} [${comment.topics.join(',')}]`, got: `${analysis.sentiment} ${analysis.score} [${analysis.topics.join(',')}]` });
    }
  }
  const all = Object.values(topicCounts).reduce(
    (sum, c) => ({ truePositive: sum.truePositive + c.truePositive, predicted: sum.predicted + c.predicted, actual: sum.actual + c.actual }),
    { truePositive: 0, predicted: 0, actual: 0 },
  );
  const n = labelled.length;
  return {
    comments: n,
    sentimentAccuracy: ratio(correct, n) ?? 0,
    sentimentByClass: mapValues(sentimentCounts, precisionRecall),
    topicMicro: precisionRecall(all),
    topicByName: mapValues(topicCounts, precisionRecall),
    topicExactMatch: ratio(exact, n) ?? 0,
    languageAccuracy: ratio(languageCorrect, n) ?? 0,
    mistakes,
  };
}

interface Counts {
  truePositive: number;
  predicted: number;
  actual: number;
}

function precisionRecall(counts: Counts): PrecisionRecall {
  return { precision: ratio(counts.truePositive, counts.predicted), recall: ratio(counts.truePositive, counts.actual), support: counts.actual };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;
}

function mapValues<K extends string, A, B>(record: Record<K, A>, f: (value: A) => B): Record<K, B> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value as A)])) as Record<K, B>;
}
