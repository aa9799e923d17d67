import { Type } from 'typebox';
import { supportCategories, supportRequestStatuses } from '../../../../domain/support/support-request.ts';
import { listSupportQueue } from '../../../../flows/support/merchant-actions.ts';
import { ListQuery, errorResponses, listOf, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { SupportRequest } from './schemas.ts';

export function registerSupportRequestsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/support_requests',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Support'],
        summary: 'The support queue: payers’ requests, newest first',
        security: bearerAuth,
        querystring: Type.Object(
          {
            ...ListQuery,
            status: Type.Optional(stringEnum(supportRequestStatuses)),
            category: Type.Optional(stringEnum(supportCategories)),
            payment: Type.Optional(Type.String({ maxLength: 64 })),
            created_from: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after.' })),
            created_to: Type.Optional(Type.String({ format: 'date-time', description: 'Created before.' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: listOf(SupportRequest), ...errorResponses(400, 401) },
      },
    },
    async (request) =>
      listSupportQueue(deps.context, scopeOf(request), {
        status: request.query.status,
        category: request.query.category,
        payment: request.query.payment,
        createdFrom: request.query.created_from ? new Date(request.query.created_from) : undefined,
        createdTo: request.query.created_to ? new Date(request.query.created_to) : undefined,
        startingAfter: request.query.starting_after,
        limit: request.query.limit ?? 10,
      }),
  );
}
