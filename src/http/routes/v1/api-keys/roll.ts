import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { rollApiKey } from '../../../../flows/api-keys/roll-api-key.ts';
import type { InvalidationListener } from '../../../../store/invalidation.ts';
import { ApiKeyWithSecret, IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Body = requestObject({
  expires_in_seconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: limits.apiKeyRollOverlapSecondsMax,
      default: 0,
      description: 'How long the old key keeps working beside the new one, up to 7 days. 0 (the default): it stops at once.',
    }),
  ),
});

export function registerApiKeysRoll(app: App, deps: RouteDeps & { invalidation: InvalidationListener | null }): void {
  app.post(
    '/v1/api_keys/:id/roll',
    {
      config: { auth: 'secret', idempotencyRedact: ['secret'] },
      schema: {
        tags: ['API keys'],
        summary: 'Roll a key: a new secret, the old one working for a chosen overlap',
        description:
          'Answers the new key with its `secret`, shown this once. The old key names it in `replaced_by` and stops at `expires_at`, in every API process at that instant. A key may roll itself; with no overlap, its own next request is refused. A revoked, expired or already rolled key cannot be rolled (`api_key_inactive`).',
        security: bearerAuth,
        params: IdParams,
        body: Body,
        response: { 200: ApiKeyWithSecret, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      // Answered once every API process has heard of the change (see store/invalidation.ts).
      const barrier = deps.invalidation?.barrier('api_key', request.params.id);
      const rolled = await rollApiKey(deps.context, scopeOf(request), request.params.id, { expiresInSeconds: request.body.expires_in_seconds ?? 0 }).catch(
        (error: unknown) => {
          barrier?.cancel();
          throw error;
        },
      );
      await barrier?.settled(limits.invalidationAcknowledgementWaitMs);
      return rolled;
    },
  );
}
