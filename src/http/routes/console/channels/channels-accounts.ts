import { channelAccounts } from '../../../../flows/console/channels.ts';
import { ModeQuery, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

/** The connector accounts with their circuit state and recent success rate (this process's routing), and any open circuit incident. */
export function registerChannelAccounts(app: App, deps: RouteDeps): void {
  app.get(
    '/console/api/channels/accounts',
    { config: { console: { permission: ['connector_accounts.read', 'analytics.read'] } }, schema: { ...consoleSchema, querystring: ModeQuery } },
    async (request) => ({ object: 'list' as const, data: await channelAccounts(deps.context, consoleScope(request, request.query.mode)), has_more: false }),
  );
}
