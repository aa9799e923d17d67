import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { findCustomers } from '../../../../flows/console/customers.ts';
import { stringEnum } from '../../../schemas.ts';
import { consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Query = Type.Object(
  {
    mode: Type.Optional(stringEnum(['test', 'live'] as const)),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    restricted: Type.Optional(Type.Boolean()),
    segment: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSizeMax })),
    starting_after: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** Customers by id, email, name or phone, with their restriction and segment; newest first (keyset on id). */
export function registerConsoleCustomersList(app: App, deps: RouteDeps): void {
  app.get('/console/api/customers', { config: { console: { permission: 'customers.read' } }, schema: { ...consoleSchema, querystring: Query } }, async (request) => {
    const { mode, limit, ...input } = request.query;
    const page = await findCustomers(deps.context, consoleScope(request, mode), input, limit ?? limits.pageSizeDefault, request.locale);
    return { object: 'list' as const, data: page.data, has_more: page.hasMore, next_starting_after: page.hasMore ? (page.data.at(-1)?.id ?? null) : null };
  });
}
