/** GET /v1/analytics/points: points issued, redeemed, expired, and the outstanding liability. */
import { Type } from 'typebox';
import { pointsAnalytics } from '../../../../flows/loyalty/customer-points.ts';
import { Nullable, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const PointsAnalytics = Type.Object({
  object: Type.Literal('points_analytics'),
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  issued: Type.Integer({ description: 'Points earned by payments.' }),
  reversed: Type.Integer({ description: 'Earned points taken back by refunds.' }),
  redeemed: Type.Integer({ description: 'Points spent on payments that succeeded.' }),
  returned: Type.Integer({ description: 'Spent points given back by refunds.' }),
  expired: Type.Integer(),
  outstanding: Type.Integer({ description: 'Points customers hold at `to` (pending, spendable and reserved): the liability.' }),
  currency: Nullable(Type.String()),
  outstanding_value: Nullable(Type.Integer({ description: 'The liability at the current redemption rate, in minor units.' })),
});

export function registerPointsAnalytics(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/points',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics', 'Loyalty'],
        summary: 'Loyalty points issued, redeemed, expired, and the outstanding liability',
        description: 'Counted from the ledger. Movements within `[from, to)` (both optional); the liability at `to` (now without it).',
        security: bearerAuth,
        querystring: Type.Object(
          { from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })) },
          { additionalProperties: false },
        ),
        response: { 200: PointsAnalytics, ...errorResponses(400, 401) },
      },
    },
    async (request) => pointsAnalytics(deps.context, scopeOf(request), request.query),
  );
}
