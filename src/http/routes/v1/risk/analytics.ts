import { Type } from 'typebox';
import { riskAnalytics } from '../../../../flows/risk/analytics.ts';
import { Nullable, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { tags } from './schemas.ts';

const Query = Type.Object(
  {
    from: Type.String({ minLength: 10, maxLength: 40, description: "Start of the range, inclusive, on the payment's created_at (ISO 8601 with a zone, or a date)." }),
    to: Type.String({ minLength: 10, maxLength: 40, description: 'End of the range, exclusive.' }),
  },
  { additionalProperties: false },
);

const Rate = (description: string) => Nullable(Type.Number({ minimum: 0, description: `${description}; null when the divisor is 0.` }));

const RiskAnalytics = Type.Object({
  object: Type.Literal('analytics_risk'),
  from: Type.String(),
  to: Type.String(),
  payments_succeeded: Type.Integer(),
  payments_fraudulent: Type.Integer({ description: 'Payments created in the range and marked fraudulent (by hand, early fraud warning or chargeback).' }),
  fraud_rate: Rate('payments_fraudulent / payments_succeeded'),
  decisions: Type.Object({
    decided: Type.Integer({ description: 'Payments with a risk decision, counted once by their newest.' }),
    allowed: Type.Integer(),
    challenged: Type.Integer({ description: 'Payments challenged at least once.' }),
    reviewed: Type.Integer(),
    blocked: Type.Integer(),
  }),
  block_rate: Rate('blocked / decided'),
  challenge_rate: Rate('challenged / decided'),
  review_rate: Rate('reviewed / decided'),
  challenge_pass_rate: Rate('challenged payments whose payer gave the right code / challenged'),
  reviews: Type.Object({
    approved: Type.Integer(),
    rejected: Type.Integer(),
    pending: Type.Integer(),
    decision_seconds_p50: Nullable(Type.Integer({ description: 'From the hold to the decision, decided reviews.' })),
    decision_seconds_p90: Nullable(Type.Integer()),
  }),
  false_positives: Type.Integer({ description: 'Payments blocked or rejected in review whose customer or card later paid the merchant successfully.' }),
});

export function registerRiskAnalytics(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/risk',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'Risk analytics: fraud rate, decision rates, challenges, reviews, false positives', security: bearerAuth, querystring: Query, response: { 200: RiskAnalytics, ...errorResponses(400, 401, 403) } },
    },
    async (request) => riskAnalytics(deps.context, scopeOf(request), request.query),
  );
}
