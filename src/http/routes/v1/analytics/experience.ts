/**
 * GET /v1/analytics/experience: the payer experience KPIs of `[from, to)`
 * against the period of the same length just before it: churn, repeat
 * purchases, revenue per customer and a simple lifetime value, time to pay
 * per method and device, CSAT and NPS. Definitions: docs/api-experience.md.
 */
import { Type } from 'typebox';
import { experienceKpis } from '../../../../flows/insight/experience.ts';
import { Nullable, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Rate } from './schemas.ts';
import { supportFigureProperties } from '../support/analytics-support.ts';

const Query = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: "Start of the period (inclusive), on payments' created_at." }),
    to: Type.String({ format: 'date-time', description: 'End of the period (exclusive); at most 366 days after `from`.' }),
  },
  { additionalProperties: false },
);

const TimeToPay = {
  payments: Type.Integer({ description: 'Payments created in the period that succeeded after their checkout was viewed.' }),
  average_ms: Nullable(Type.Integer({ description: 'Mean of (first success − first checkout view), ms, rounded half up; null without payments.' })),
};

const Experience = Type.Object({
  object: Type.Literal('experience_kpis'),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  previous_from: Type.String({ format: 'date-time', description: 'Start of the previous period, `[previous_from, from)`, of the same length.' }),
  customers: Type.Object({
    paying_previous_period: Type.Integer({ description: 'Customers with a purchase in the previous period.' }),
    paying_this_period: Type.Integer({ description: 'Customers with a purchase in this period.' }),
    churned: Type.Integer({ description: 'Customers with a purchase in the previous period and none in this one.' }),
    churn_rate: Rate('churned / paying_previous_period.'),
    repeat_customers: Type.Integer({ description: 'Customers with 2 or more purchases in this period.' }),
    repeat_purchase_rate: Rate('repeat_customers / paying_this_period.'),
    expected_lifetime_periods: Nullable(Type.Number({ description: '1 / churn_rate = paying_previous_period / churned, 4 decimals; null when nobody churned.' })),
  }),
  revenue: Type.Array(
    Type.Object({
      currency: Type.String(),
      purchases: Type.Integer({ description: "The period's purchases in this currency." }),
      customers: Type.Integer({ description: 'Customers with a purchase in this currency.' }),
      revenue: Type.Integer({ description: 'Σ amount_received of those purchases, minor units (refunds not deducted).' }),
      revenue_per_customer: Nullable(Type.Integer({ description: 'revenue / customers, rounded half up.' })),
      customer_lifetime_value: Nullable(
        Type.Integer({ description: 'revenue_per_customer / churn_rate = revenue × paying_previous_period / (customers × churned), rounded half up; null when nobody churned.' }),
      ),
    }),
    { description: 'One entry per currency with purchases in the period; amounts are never added across currencies.' },
  ),
  time_to_pay: Type.Object({
    overall: Type.Object(TimeToPay),
    by_method: Type.Array(Type.Object({ payment_method_type: Type.String(), ...TimeToPay })),
    by_device: Type.Array(Type.Object({ device_class: Type.String({ description: 'mobile, desktop or unknown.' }), ...TimeToPay })),
  }),
  satisfaction: Type.Object({
    responses: Type.Integer({ description: 'Ratings of payments created in the period.' }),
    csat: Rate('Ratings of 4 or 5 / ratings.'),
    nps_responses: Type.Integer(),
    nps: Nullable(Type.Number({ description: '% promoters (9–10) − % detractors (0–6), −100…100, 2 decimals; null without answers.' })),
  }),
  fraud: Type.Object(
    { payments_succeeded: Type.Integer(), payments_marked_fraudulent: Type.Integer(), fraud_rate: Rate('payments_marked_fraudulent / payments_succeeded.') },
    { description: 'Payments of the period later marked fraudulent (POST /v1/payments/:id/fraud) over those that succeeded: the fraud rate of GET /v1/analytics/risk.' },
  ),
  support: Type.Object(supportFigureProperties, {
    description: 'The figures of GET /v1/analytics/support for the support requests created in the period (definitions: docs/api-support.md).',
  }),
});

export function registerAnalyticsExperience(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/experience',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Experience KPIs: churn, repeat purchases, revenue per customer, lifetime value, time to pay, CSAT, NPS',
        description:
          'Every figure counts the period `[from, to)` on payments’ created_at, churn against the period of the same length before it. A purchase is a succeeded payment with a customer, wallet top-ups excepted. Exact definitions: docs/api-experience.md. `support` repeats the figures of GET /v1/analytics/support for the period; `fraud` is the fraud rate of GET /v1/analytics/risk.',
        security: bearerAuth,
        querystring: Query,
        response: { 200: Experience, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const from = new Date(request.query.from);
      const to = new Date(request.query.to);
      const { previousFrom, revenue, ...figures } = await experienceKpis(deps.context, scopeOf(request), { from, to });
      return {
        object: 'experience_kpis' as const,
        from: from.toISOString(),
        to: to.toISOString(),
        previous_from: previousFrom.toISOString(),
        ...figures,
        revenue: revenue.map((r) => ({
          ...r,
          revenue: Number(r.revenue),
          revenue_per_customer: r.revenue_per_customer === null ? null : Number(r.revenue_per_customer),
          customer_lifetime_value: r.customer_lifetime_value === null ? null : Number(r.customer_lifetime_value),
        })),
      };
    },
  );
}
