import { PaymentError } from '../../../../domain/errors.ts';
import { presentEvent } from '../../../../flows/notifications/webhook-endpoints.ts';
import { findEvent } from '../../../../store/webhooks.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Event, tags } from './schemas.ts';

export function registerEventsRetrieve(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/events/:id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Retrieve an event', security: bearerAuth, params: IdParams, response: { 200: Event, ...errorResponses(401, 404) } } },
    async (request) => {
      const event = await findEvent(deps.context.db, scopeOf(request), request.params.id);
      if (!event) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'event', id: request.params.id } });
      return presentEvent(event);
    },
  );
}
