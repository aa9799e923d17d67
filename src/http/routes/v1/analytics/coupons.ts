import { Type } from 'typebox';
import { couponAnalytics, couponAnalyticsCsv } from '../../../../flows/coupons/coupon-analytics.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { CurrencyInput, Nullable, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Query = Type.Object(
  {
    from: Type.String({ minLength: 10, maxLength: 40, description: "Start of the range, inclusive, on the payment's created_at (ISO 8601 with a zone, or a date)." }),
    to: Type.String({ minLength: 10, maxLength: 40, description: 'End of the range, exclusive.' }),
    currency: Type.Optional({ ...CurrencyInput, description: 'Only payments in this currency.' }),
  },
  { additionalProperties: false },
);

const Group = Type.Object({
  payments_created: Type.Integer(),
  payments_succeeded: Type.Integer(),
  conversion_rate: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'succeeded / created, 4 decimals; null on 0 created.' })),
});

const CouponAnalytics = Type.Object({
  object: Type.Literal('analytics_coupons'),
  from: Type.String(),
  to: Type.String(),
  currency: Nullable(Type.String()),
  redemptions: Type.Object({ reserved: Type.Integer(), consumed: Type.Integer(), released: Type.Integer(), restored: Type.Integer() }, { description: 'Redemptions of payments created in the range, by status now.' }),
  with_coupon: Group,
  without_coupon: Group,
  amounts: Type.Array(
    Type.Object({
      currency: Type.String(),
      discount_given: Type.Integer({ description: 'Sum of the consumed redemptions’ discounts (a full refund restores one and takes it out).' }),
      amount_received_with_coupon: Type.Integer({ description: 'What the succeeded payments with a coupon received.' }),
    }),
  ),
  by_coupon: Type.Array(
    Type.Object({
      coupon: Type.String(),
      code: Type.String(),
      campaign: Nullable(Type.String()),
      currency: Type.String(),
      redemptions_consumed: Type.Integer(),
      discount_given: Type.Integer(),
      payments_succeeded: Type.Integer({ description: 'Succeeded payments the coupon brought.' }),
      amount_received: Type.Integer(),
    }),
  ),
});

export function registerCouponsAnalytics(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/coupons',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Coupon redemptions, discount given, and the conversion of payments with and without a coupon',
        description:
          'For payments created in [from, to), wallet top-ups aside, counted from the raw rows. A payment is "with a coupon" when one is on it now. JSON, or one row per coupon as CSV with `Accept: text/csv`.',
        security: bearerAuth,
        querystring: Query,
        response: { 200: CouponAnalytics, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const analytics = await couponAnalytics(deps.context, scopeOf(request), request.query);
      if (!wantsCsv(request)) return analytics;
      const table = couponAnalyticsCsv(analytics);
      return sendCsv(reply, 'coupon-analytics', table.columns, table.rows);
    },
  );
}
