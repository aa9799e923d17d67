/** GET /v1/customers/:id/points: balance, pending, reserved, and the movements. */
import { Type } from 'typebox';
import { customerPoints } from '../../../../flows/loyalty/customer-points.ts';
import { IdParams, ListQuery, Nullable, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Movement = Type.Object({
  id: Type.String({ description: 'The ledger transaction.' }),
  object: Type.Literal('points_movement'),
  type: Type.String({ description: 'points_earn, points_mature, points_reserve, points_release, points_redeem, points_reverse, points_return or points_expire.' }),
  available_change: Type.Integer(),
  pending_change: Type.Integer(),
  reserved_change: Type.Integer(),
  payment: Nullable(Type.String()),
  refund: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
});

const CustomerPoints = Type.Object({
  object: Type.Literal('customer_points'),
  customer: Type.String(),
  balance: Type.Integer({ description: 'Points the customer can spend now.' }),
  pending: Type.Integer({ description: 'Points earned and still within the delay (a refund may take them back).' }),
  reserved: Type.Integer({ description: 'Points set aside for payments in flight.' }),
  currency: Nullable(Type.String()),
  value: Nullable(Type.Integer({ description: "What `balance` is worth, in the programme currency's minor unit." })),
  next_available_at: Nullable(Type.String({ format: 'date-time' })),
  next_expiry_at: Nullable(Type.String({ format: 'date-time' })),
  history: listOf(Movement),
});

export function registerPointsCustomer(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/customers/:id/points',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Loyalty'],
        summary: "A customer's loyalty points",
        description: 'Balances read from the ledger (unit PTS); `history` is one line per ledger transaction, newest first, paged with `limit` and `starting_after`.',
        security: bearerAuth,
        params: IdParams,
        querystring: Type.Object({ ...ListQuery }, { additionalProperties: false }),
        response: { 200: CustomerPoints, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => customerPoints(deps.context, scopeOf(request), request.params.id, request.query),
  );
}
