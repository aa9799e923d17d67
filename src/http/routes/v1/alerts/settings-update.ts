import { Type } from 'typebox';
import { changeAlertSettings } from '../../../../flows/insight/alert-rules.ts';
import { Nullable, errorResponses, requestObject } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AlertSettings, tags } from './schemas.ts';

export function registerAlertSettingsUpdate(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/alert_settings',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Set the operations address',
        description: 'Alerts of both modes are emailed to operations_email; null falls back to the support address.',
        security: bearerAuth,
        body: requestObject({ operations_email: Nullable(Type.String({ maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' })) }),
        response: { 200: AlertSettings, ...errorResponses(400, 401) },
      },
    },
    async (request) => changeAlertSettings(deps.context, scopeOf(request), request.body),
  );
}
