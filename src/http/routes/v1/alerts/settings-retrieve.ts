import { alertSettings } from '../../../../flows/insight/alert-rules.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AlertSettings, tags } from './schemas.ts';

export function registerAlertSettingsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/alert_settings',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Where alerts are emailed', security: bearerAuth, response: { 200: AlertSettings, ...errorResponses(401) } } },
    async (request) => alertSettings(deps.context, scopeOf(request)),
  );
}
