import { Type } from 'typebox';
import { listBlocklist } from '../../../../flows/risk/blocklists.ts';
import { ListQuery, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { BlocklistEntry, BlocklistKindSchema, tags } from './schemas.ts';

export function registerBlocklistsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/blocklists',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'List blocklist entries, newest first',
        security: bearerAuth,
        querystring: Type.Object({ ...ListQuery, kind: Type.Optional(BlocklistKindSchema) }, { additionalProperties: false }),
        response: { 200: listOf(BlocklistEntry), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => listBlocklist(deps.context, scopeOf(request), { kind: request.query.kind, startingAfter: request.query.starting_after, limit: request.query.limit }),
  );
}
