import { PaymentError } from '../../../../domain/errors.ts';
import { presentRefund } from '../../../../flows/payments/present.ts';
import { findRefund } from '../../../../store/refunds.ts';
import { IdParams, Refund, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerRefundsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/refunds/:id',
    {
      config: { auth: 'secret' },
      schema: { tags: ['Refunds'], summary: 'Retrieve a refund', security: bearerAuth, params: IdParams, response: { 200: Refund, ...errorResponses(401, 404) } },
    },
    async (request) => {
      const refund = await findRefund(deps.context.db, scopeOf(request), request.params.id);
      if (!refund) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'refund', id: request.params.id } });
      return presentRefund(refund);
    },
  );
}
