import { Type } from 'typebox';
import { redeliver } from '../../../../flows/notifications/webhook-endpoints.ts';
import { IdParams, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { tags } from './schemas.ts';

export function registerEventsRedeliver(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/events/:id/redeliver',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Send an event again to every enabled endpoint that wants it',
        security: bearerAuth,
        params: IdParams,
        response: {
          200: Type.Object({ object: Type.Literal('event_redelivery'), event: Type.String(), deliveries_queued: Type.Integer() }),
          ...errorResponses(401, 404),
        },
      },
    },
    async (request) => redeliver(deps.context, scopeOf(request), request.params.id),
  );
}
