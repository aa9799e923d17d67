/**
 * Feedback themes for the analytics: the analyzed comments of a range
 * counted by sentiment and topic, over time, per payment method and per
 * cancellation reason, with the latest example comments of each topic, their
 * personal data masked. The figures' rules are in
 * src/domain/insight/comments/themes.ts.
 */
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { maskFreeText } from '../../domain/masking.ts';
import { commentTopics } from '../../domain/insight/comments/topics.ts';
import { foldThemes, type FeedbackThemes, type ThemeExample } from '../../domain/insight/comments/themes.ts';
import { commentThemeGroups, exampleComments, type ThemeQuery } from '../../store/comment-analyses.ts';
import type { Scope } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';

const dayMs = 24 * 60 * 60 * 1000;

export async function feedbackThemes(context: Pick<FlowContext, 'db'>, scope: Scope, query: ThemeQuery): Promise<FeedbackThemes> {
  const spanMs = query.to.getTime() - query.from.getTime();
  if (!(spanMs > 0)) throw new PaymentError('parameter_invalid', { param: 'from', details: { reason: '`from` must be before `to`' } });
  if (spanMs > limits.analyticsRangeDaysMax * dayMs) {
    throw new PaymentError('parameter_invalid', { param: 'to', details: { reason: `the range is at most ${limits.analyticsRangeDaysMax} days` } });
  }
  const [groups, examples] = await Promise.all([
    commentThemeGroups(context.db, scope, query),
    exampleComments(context.db, scope, query, commentTopics, limits.themeExamplesPerTopic),
  ]);
  const byTopic = new Map<string, ThemeExample[]>();
  for (const example of examples) {
    const list = byTopic.get(example.topic) ?? [];
    list.push({
      source: example.source,
      source_id: example.sourceId,
      sentiment: example.sentiment,
      score: example.score,
      language: example.language,
      created_at: example.commentedAt.toISOString(),
      text: maskFreeText(example.text),
    });
    byTopic.set(example.topic, list);
  }
  return foldThemes(groups, byTopic);
}
