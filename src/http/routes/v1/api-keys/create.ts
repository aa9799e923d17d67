import { createApiKeyForMerchant } from '../../../../flows/api-keys/create-api-key.ts';
import { ApiKeyWithSecret, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Body = requestObject({ kind: stringEnum(['secret', 'publishable'] as const) });

export function registerApiKeysCreate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/api_keys',
    {
      config: { auth: 'secret', idempotencyRedact: ['secret'] },
      schema: {
        tags: ['API keys'],
        summary: 'Create a secret or publishable key',
        description:
          'For the calling key\'s merchant and mode (a test key makes test keys). The answer holds the key itself, `secret`, this once: Paypilot keeps only its SHA-256 hash. A replay under the same Idempotency-Key answers the same key with `secret: null`.',
        security: bearerAuth,
        body: Body,
        response: { 200: ApiKeyWithSecret, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => createApiKeyForMerchant(deps.context, scopeOf(request), { kind: request.body.kind }),
  );
}
