import { consoleSettings } from '../../../../flows/console/settings.ts';
import { ModeQuery, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

/** The merchant's settings: business name, support and operations addresses, time zone, cancellation-abuse policy (of `mode`), support refund limits. */
export function registerSettingsRead(app: App, deps: RouteDeps): void {
  app.get('/console/api/settings', { config: { console: { permission: 'settings.read' } }, schema: { ...consoleSchema, querystring: ModeQuery } }, async (request) =>
    consoleSettings(deps.context, consoleScope(request, request.query.mode)),
  );
}
