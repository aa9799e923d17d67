/**
 * GET /v1/analytics/feedback: what payers said at the end of the checkout,
 * as CSAT (the 1–5 rating) and NPS (the optional 0–10 question), over the
 * payments created in `[from, to)`. The figures' rules are in
 * src/domain/insight/feedback.ts. With `Accept: text/csv`: the same, as one row.
 */
import { Type } from 'typebox';
import { PaymentError } from '../../../../domain/errors.ts';
import { flattenRecord } from '../../../../domain/csv.ts';
import { feedbackFigures } from '../../../../domain/insight/feedback.ts';
import { feedbackCounts } from '../../../../store/feedback.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { Nullable, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Query = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: "Start of the range (inclusive) on payments' created_at." }),
    to: Type.String({ format: 'date-time', description: 'End of the range (exclusive).' }),
  },
  { additionalProperties: false },
);

const FeedbackSummary = Type.Object({
  object: Type.Literal('feedback_summary'),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  responses: Type.Integer({ description: 'Ratings given for payments created in the range.' }),
  average_rating: Nullable(Type.Number({ description: 'Mean rating, 2 decimals; null without ratings.' })),
  csat: Nullable(Type.Number({ description: 'Share of ratings that are 4 or 5, from 0 to 1, 4 decimals; null without ratings.' })),
  rating_counts: Type.Object({ 1: Type.Integer(), 2: Type.Integer(), 3: Type.Integer(), 4: Type.Integer(), 5: Type.Integer() }),
  nps_responses: Type.Integer({ description: 'Answers to the optional 0–10 "would you recommend" question.' }),
  nps: Nullable(Type.Number({ description: '% promoters (9–10) − % detractors (0–6), from −100 to 100, 2 decimals; null without answers.' })),
  promoters: Type.Integer(),
  passives: Type.Integer(),
  detractors: Type.Integer(),
});

export function registerAnalyticsFeedback(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/feedback',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Payer satisfaction: CSAT from the checkout rating, NPS when asked',
        description:
          "The checkout's result page asks the payer to rate the payment from 1 to 5 and then, optionally, how likely they are to recommend the merchant (0–10). CSAT = ratings 4–5 / ratings; NPS = % promoters (9–10) − % detractors (0–6). Counted over payments created in `[from, to)`. With `Accept: text/csv`: one row.",
        security: bearerAuth,
        querystring: Query,
        response: { 200: FeedbackSummary, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const from = new Date(request.query.from);
      const to = new Date(request.query.to);
      if (from.getTime() >= to.getTime()) throw new PaymentError('parameter_invalid', { param: 'from', details: { reason: '`from` must be before `to`' } });
      const figures = feedbackFigures(await feedbackCounts(deps.context.db, scopeOf(request), { from, to }));
      const summary = { object: 'feedback_summary' as const, from: from.toISOString(), to: to.toISOString(), ...figures };
      if (wantsCsv(request)) {
        const row = flattenRecord(summary);
        return sendCsv(reply, `feedback_${summary.from.slice(0, 10)}_${summary.to.slice(0, 10)}`, Object.keys(row), [row]);
      }
      return summary;
    },
  );
}
