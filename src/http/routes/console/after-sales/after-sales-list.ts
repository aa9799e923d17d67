import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { listAfterSalesQueue } from '../../../../flows/console/after-sales.ts';
import { stringEnum } from '../../../schemas.ts';
import { consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Query = Type.Object(
  {
    mode: Type.Optional(stringEnum(['test', 'live'] as const)),
    status: Type.Optional(stringEnum(['pending', 'approved', 'rejected'] as const)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSizeMax })),
    starting_after: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/**
 * After-sales requests, newest first: `GET /v1/after_sales_requests`'s objects,
 * each with `currency` (its payment's), so an amount is never shown without
 * its currency. Deciding stays on the API's approve and reject.
 */
export function registerAfterSalesList(app: App, deps: RouteDeps): void {
  app.get('/console/api/after_sales_requests', { config: { console: { permission: 'after_sales.manage' } }, schema: { ...consoleSchema, querystring: Query } }, async (request) => {
    const q = request.query;
    const page = await listAfterSalesQueue(deps.context, consoleScope(request, q.mode), { status: q.status, startingAfter: q.starting_after, limit: q.limit ?? limits.pageSizeDefault });
    return { object: 'list' as const, data: page.data, has_more: page.hasMore, next_starting_after: page.hasMore ? (page.data.at(-1)?.id ?? null) : null };
  });
}
