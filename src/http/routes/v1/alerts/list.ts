import { Type } from 'typebox';
import { alertList } from '../../../../flows/insight/alert-rules.ts';
import { alertCsvColumns } from '../../../../flows/insight/present-alerts.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { ListQuery, errorResponses, listOf, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Alert, tags } from './schemas.ts';

export function registerAlertsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/alerts',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'List alerts',
        description:
          'Newest first. Each alert records when its condition began, when it triggered, was acknowledged and resolved, and the times between. With `Accept: text/csv`, the page as CSV.',
        security: bearerAuth,
        querystring: Type.Object(
          { ...ListQuery, state: Type.Optional(stringEnum(['triggered', 'resolved'] as const)), rule: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: listOf(Alert), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const page = await alertList(deps.context, scopeOf(request), request.query);
      if (wantsCsv(request)) return sendCsv(reply, 'alerts', alertCsvColumns, page.data);
      return page;
    },
  );
}
