import { Type } from 'typebox';
import { paymentRisk } from '../../../../flows/risk/reviews.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { PaymentRisk, tags } from './schemas.ts';

export function registerPaymentRisk(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/payments/:id/risk',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: "A payment's risk: decision, score, rules fired and signals",
        security: bearerAuth,
        params: IdParams,
        response: { 200: Type.Intersect([Type.Object({ payment: Type.String() }), PaymentRisk]), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => paymentRisk(deps.context, scopeOf(request), request.params.id),
  );
}
