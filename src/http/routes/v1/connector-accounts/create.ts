import { Type } from 'typebox';
import { connectorNames } from '../../../../connectors/connector.ts';
import { createConnectorAccount } from '../../../../flows/channels/create-connector-account.ts';
import { ConnectorAccount, errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerConnectorAccountsCreate(app: App, deps: RouteDeps & { defaultBaseUrls: Partial<Record<string, string>> }): void {
  app.post(
    '/v1/connector_accounts',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Connector accounts'],
        summary: "Store the merchant's credentials at a provider",
        description:
          'Credentials are write-only: encrypted at rest with AES-256-GCM and never returned. `base_url` defaults to the bundled simulator. It must reach a public address (`url_not_public` otherwise, checked when saved and on every connection); test-mode accounts may reach private ones (such as the simulators on 127.0.0.1) only when the operator sets PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST=true.',
        security: bearerAuth,
        body: requestObject({
          connector: stringEnum(connectorNames),
          credentials: Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 10_000 }), { maxProperties: 20 }),
          base_url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
          priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          enabled: Type.Optional(Type.Boolean()),
        }),
        response: { 200: ConnectorAccount, ...errorResponses(400, 401) },
      },
    },
    async (request) => createConnectorAccount(deps.context, scopeOf(request), request.body, deps.defaultBaseUrls),
  );
}
