import { Type } from 'typebox';
import { presentEvent } from '../../../../flows/notifications/webhook-endpoints.ts';
import { listEvents } from '../../../../store/webhooks.ts';
import { ListQuery, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Event, tags } from './schemas.ts';

export function registerEventsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/events',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'List events, newest first',
        security: bearerAuth,
        querystring: Type.Object({ ...ListQuery, type: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: listOf(Event), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const page = await listEvents(deps.context.db, scopeOf(request), { type: request.query.type, startingAfter: request.query.starting_after, limit: request.query.limit ?? 10 });
      return { object: 'list' as const, data: page.data.map(presentEvent), has_more: page.hasMore };
    },
  );
}
