import { abuseSettings } from '../../../../flows/insight/cancellation-abuse-settings.ts';
import { errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AbuseSettings } from './schemas.ts';

export function registerCancellationAbuseSettingsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/cancellation_abuse_settings',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Settings against abuse of cancellation',
        description: 'Defaults until set: 5 cancellations per hour, action `none` (flagged, not held back), flags holding 24 hours.',
        security: bearerAuth,
        response: { 200: AbuseSettings, ...errorResponses(401, 403) },
      },
    },
    async (request) => abuseSettings(deps.context, scopeOf(request)),
  );
}
