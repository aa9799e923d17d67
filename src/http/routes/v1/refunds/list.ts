import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { presentRefund } from '../../../../flows/payments/present.ts';
import { listRefunds } from '../../../../store/refunds.ts';
import { ListQuery, Refund, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerRefundsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/refunds',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Refunds'],
        summary: 'List refunds, newest first',
        security: bearerAuth,
        querystring: Type.Object({ ...ListQuery, payment: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: listOf(Refund), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const page = await listRefunds(deps.context.db, scopeOf(request), {
        payment: request.query.payment,
        startingAfter: request.query.starting_after,
        limit: request.query.limit ?? limits.pageSizeDefault,
      });
      return { object: 'list' as const, data: page.data.map(presentRefund), has_more: page.hasMore };
    },
  );
}
