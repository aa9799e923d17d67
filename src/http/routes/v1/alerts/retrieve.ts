import { retrieveAlert } from '../../../../flows/insight/alert-rules.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Alert, tags } from './schemas.ts';

export function registerAlertsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/alerts/:id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Retrieve an alert', security: bearerAuth, params: IdParams, response: { 200: Alert, ...errorResponses(401, 404) } } },
    async (request) => retrieveAlert(deps.context, scopeOf(request), request.params.id),
  );
}
