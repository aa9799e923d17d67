import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { revokeApiKey } from '../../../../flows/api-keys/revoke-api-key.ts';
import type { InvalidationListener } from '../../../../store/invalidation.ts';
import { ApiKey, IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Body = requestObject({
  confirm_no_secret_key_left: Type.Optional(
    Type.Boolean({
      description:
        'Needed to revoke the last secret key of this mode that keeps working (neither revoked nor rolled): afterwards only `paypilot keys create` can make a key. Roll the key instead to replace it.',
    }),
  ),
});

export function registerApiKeysRevoke(app: App, deps: RouteDeps & { invalidation: InvalidationListener | null }): void {
  app.post(
    '/v1/api_keys/:id/revoke',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['API keys'],
        summary: 'Revoke a key, at once',
        description:
          'The key stops at once in every API process: each drops it from its cache on a PostgreSQL notification and acknowledges it, and this answer waits for them all (at most 1 s). A key may revoke itself: this answer is the last it gets. Revoking a revoked key changes nothing. The last working secret key of a mode needs `confirm_no_secret_key_left` (`api_key_last_secret`).',
        security: bearerAuth,
        params: IdParams,
        body: Body,
        response: { 200: ApiKey, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      // Answered once every API process has heard of the change (see store/invalidation.ts).
      const barrier = deps.invalidation?.barrier('api_key', request.params.id);
      const revoked = await revokeApiKey(deps.context, scopeOf(request), request.params.id, {
        confirmNoSecretKeyLeft: request.body.confirm_no_secret_key_left,
      }).catch((error: unknown) => {
        barrier?.cancel();
        throw error;
      });
      // Only a change is announced: waiting for an unchanged key would only wait out the time-out.
      if (revoked.changed) await barrier?.settled(limits.invalidationAcknowledgementWaitMs);
      else barrier?.cancel();
      return revoked.key;
    },
  );
}
