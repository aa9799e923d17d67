import { acknowledge } from '../../../../flows/insight/alert-rules.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Alert, tags } from './schemas.ts';

export function registerAlertsAcknowledge(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/alerts/:id/acknowledge',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Acknowledge an alert',
        description: 'Records who-knows-when: the first acknowledgement is kept, a second changes nothing. It does not resolve the alert.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Alert, ...errorResponses(401, 404) },
      },
    },
    async (request) => acknowledge(deps.context, scopeOf(request), request.params.id),
  );
}
