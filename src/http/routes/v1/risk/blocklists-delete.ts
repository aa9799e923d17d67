import { removeFromBlocklist } from '../../../../flows/risk/blocklists.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Deleted, tags } from './schemas.ts';

export function registerBlocklistsDelete(app: App, deps: RouteDeps): void {
  app.delete(
    '/v1/blocklists/:id',
    {
      config: { auth: 'secret' },
      schema: { tags, summary: 'Remove a blocklist entry', security: bearerAuth, params: IdParams, response: { 200: Deleted('blocklist_entry'), ...errorResponses(401, 403, 404) } },
    },
    async (request) => removeFromBlocklist(deps.context, scopeOf(request), request.params.id),
  );
}
