import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { listReconciliationRuns } from '../../../../flows/console/reconciliation.ts';
import { stringEnum } from '../../../schemas.ts';
import { consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Query = Type.Object(
  { mode: Type.Optional(stringEnum(['test', 'live'] as const)), before: Type.Optional(Day), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSizeMax })) },
  { additionalProperties: false },
);

/** One row per connector account and statement date that had mismatches, newest date first. */
export function registerReconciliationRuns(app: App, deps: RouteDeps): void {
  app.get('/console/api/reconciliation/runs', { config: { console: { permission: 'payments.read' } }, schema: { ...consoleSchema, querystring: Query } }, async (request) => {
    const { mode, before, limit } = request.query;
    const page = await listReconciliationRuns(deps.context, consoleScope(request, mode), { beforeDate: before, limit: limit ?? limits.pageSizeDefault });
    return { object: 'list' as const, data: page.data, has_more: page.hasMore, next_before: page.hasMore ? (page.data.at(-1)?.statement_date ?? null) : null };
  });
}
