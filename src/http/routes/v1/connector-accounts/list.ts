import { connectorAccountList } from '../../../../flows/channels/list-connector-accounts.ts';
import { ConnectorAccount, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

export function registerConnectorAccountsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/connector_accounts',
    {
      config: { auth: 'secret' },
      schema: { tags: ['Connector accounts'], summary: 'List connector accounts', security: bearerAuth, response: { 200: listOf(ConnectorAccount), ...errorResponses(401) } },
    },
    async (request) => connectorAccountList(deps.context, scopeOf(request)),
  );
}
