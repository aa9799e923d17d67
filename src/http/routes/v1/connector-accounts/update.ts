import { Type } from 'typebox';
import { changeConnectorAccount } from '../../../../flows/channels/change-connector-account.ts';
import { ConnectorAccount, IdParams, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerConnectorAccountsUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/connector_accounts/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Connector accounts'],
        summary: 'Update a connector account',
        description: 'Turns it on or off, changes its priority (higher is tried first) or gateway, or replaces its credentials whole.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject({
          enabled: Type.Optional(Type.Boolean()),
          priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
          base_url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
          credentials: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 10_000 }), { maxProperties: 20 })),
        }),
        response: { 200: ConnectorAccount, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => changeConnectorAccount(deps.context, scopeOf(request), request.params.id, request.body),
  );
}
