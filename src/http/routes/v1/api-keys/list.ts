import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { listMerchantApiKeys } from '../../../../flows/api-keys/list-api-keys.ts';
import { ApiKey, ListQuery, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Query = Type.Object({ ...ListQuery }, { additionalProperties: false });

export function registerApiKeysList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/api_keys',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['API keys'],
        summary: 'List keys, newest first (never their secrets)',
        description: 'Every key of the calling key\'s merchant and mode, revoked and expired ones included, each with its prefix and last four characters (`hint`).',
        security: bearerAuth,
        querystring: Query,
        response: { 200: listOf(ApiKey), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const page = await listMerchantApiKeys(deps.context, scopeOf(request), {
        startingAfter: request.query.starting_after,
        limit: request.query.limit ?? limits.pageSizeDefault,
      });
      return { object: 'list' as const, data: page.data, has_more: page.hasMore };
    },
  );
}
