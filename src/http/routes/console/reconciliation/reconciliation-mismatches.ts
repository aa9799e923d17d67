import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { listReconciliationMismatches } from '../../../../flows/console/reconciliation.ts';
import { stringEnum } from '../../../schemas.ts';
import { consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Query = Type.Object(
  {
    mode: Type.Optional(stringEnum(['test', 'live'] as const)),
    connector_account: Type.Optional(Type.String({ maxLength: 64 })),
    statement_date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    repaired: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSizeMax })),
    starting_after: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** Mismatches found by reconciliation, newest first, with whether each was repaired and how (`note`). */
export function registerReconciliationMismatches(app: App, deps: RouteDeps): void {
  app.get('/console/api/reconciliation/mismatches', { config: { console: { permission: 'payments.read' } }, schema: { ...consoleSchema, querystring: Query } }, async (request) => {
    const q = request.query;
    const page = await listReconciliationMismatches(deps.context, consoleScope(request, q.mode), {
      connectorAccount: q.connector_account,
      statementDate: q.statement_date,
      repaired: q.repaired,
      startingAfter: q.starting_after,
      limit: q.limit ?? limits.pageSizeDefault,
    });
    return { object: 'list' as const, data: page.data, has_more: page.hasMore, next_starting_after: page.hasMore ? (page.data.at(-1)?.id ?? null) : null };
  });
}
