/**
 * GET /v1/analytics/feedback_themes: what payers' comments are about and how
 * they feel, from the worker's analysis of each comment (ratings' comments
 * and cancellations' comments): sentiment and topics overall, over time, per
 * payment method and per cancellation reason, with example comments. With
 * `Accept: text/csv`: one row per period.
 */
import { Type } from 'typebox';
import { commentTopics } from '../../../../domain/insight/comments/topics.ts';
import { sentiments } from '../../../../domain/insight/comments/analyze-comment.ts';
import { feedbackThemes } from '../../../../flows/insight/feedback-themes.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { Nullable, errorResponses, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const intervals = ['day', 'week', 'month'] as const;
const sources = ['rating', 'cancellation', 'support_request'] as const;

const Query = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: 'Start of the range (inclusive), on when the comment was written.' }),
    to: Type.String({ format: 'date-time', description: 'End of the range (exclusive); at most 366 days after `from`.' }),
    interval: Type.Optional(stringEnum(intervals, { description: 'Length of the timeseries periods, in UTC (weeks start on Monday). Default `day`.' })),
    source: Type.Optional(stringEnum(sources, { description: 'Only the comments of ratings, of cancellations or of support requests.' })),
  },
  { additionalProperties: false },
);

const sentimentFields = {
  comments: Type.Integer({ description: 'Analyzed comments.' }),
  negative: Type.Integer(),
  neutral: Type.Integer(),
  positive: Type.Integer(),
  average_score: Nullable(Type.Number({ minimum: -1, maximum: 1, description: 'Mean sentiment score (−1…1), 4 decimals; null without comments.' })),
};
const TopicCounts = Type.Object(Object.fromEntries(commentTopics.map((topic) => [topic, Type.Integer()])), { description: 'Comments per topic (a comment may have several).' });

const Example = Type.Object({
  source: stringEnum(sources),
  source_id: Type.String({ description: 'The payment (rating, cancellation) or support request the comment belongs to.' }),
  sentiment: stringEnum(sentiments),
  score: Type.Number(),
  language: Type.String({ description: 'en, zh-CN, zh-TW or und (undetermined).' }),
  created_at: Type.String({ format: 'date-time' }),
  text: Type.String({ description: 'As written, with email addresses and phone numbers masked.' }),
});

const FeedbackThemes = Type.Object({
  object: Type.Literal('feedback_themes'),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  interval: stringEnum(intervals),
  source: Nullable(stringEnum(sources)),
  totals: Type.Object({ ...sentimentFields, topics: TopicCounts }),
  topics: Type.Array(Type.Object({ topic: stringEnum(commentTopics), ...sentimentFields, examples: Type.Array(Example) }), { description: 'Every topic, with its latest 3 comments.' }),
  timeseries: Type.Array(Type.Object({ period_start: Type.String({ description: 'YYYY-MM-DD (UTC).' }), ...sentimentFields, topics: TopicCounts }), { description: 'Periods with comments only.' }),
  by_channel: Type.Array(Type.Object({ payment_method_type: Type.String({ description: '`unknown` when no method was chosen.' }), ...sentimentFields, topics: TopicCounts })),
  by_cancellation_reason: Type.Array(Type.Object({ cancellation_reason: Type.String(), ...sentimentFields, topics: TopicCounts }), { description: "Cancellations' comments only." }),
});

const description = `Every free-text comment payers write (the comment of a rating, of a cancellation) is analyzed by the worker
within about a minute: its language (English, Chinese in simplified or traditional characters), a sentiment (negative, neutral,
positive) with a score from −1 to 1, and topics (${commentTopics.join(', ')}). \`slow\`, \`declined\`, \`confusing\` and \`bug\` are
complaints; \`price\`, \`trust\`, \`payment_method\` and \`refund\` are mentions whatever their tone. The approach and its measured
accuracy are in the README. Counted over the comments written in \`[from, to)\`; a comment written but not analyzed yet is not
counted. With \`Accept: text/csv\`: one row per period.`;

export function registerAnalyticsFeedbackThemes(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/feedback_themes',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: "Sentiment and topics of payers' comments",
        description,
        security: bearerAuth,
        querystring: Query,
        response: { 200: FeedbackThemes, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const from = new Date(request.query.from);
      const to = new Date(request.query.to);
      const interval = request.query.interval ?? 'day';
      const source = request.query.source ?? null;
      const themes = await feedbackThemes(deps.context, scopeOf(request), { from, to, interval, ...(source ? { source } : {}) });
      if (wantsCsv(request)) {
        const columns = ['period_start', 'comments', 'negative', 'neutral', 'positive', 'average_score', ...commentTopics.map((t) => `topics.${t}`)];
        const rows = themes.timeseries.map(({ topics, ...period }) => ({ ...period, ...Object.fromEntries(commentTopics.map((t) => [`topics.${t}`, topics[t]])) }));
        return sendCsv(reply, `feedback_themes_${from.toISOString().slice(0, 10)}_${to.toISOString().slice(0, 10)}`, columns, rows);
      }
      return { object: 'feedback_themes' as const, from: from.toISOString(), to: to.toISOString(), interval, source, ...themes };
    },
  );
}
