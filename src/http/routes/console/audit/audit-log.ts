import { Type } from 'typebox';
import { PaymentError } from '../../../../domain/errors.ts';
import { limits } from '../../../../domain/limits.ts';
import { listAuditLog, presentAuditRow } from '../../../../flows/console/audit.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { stringEnum } from '../../../schemas.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

const Query = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 64 })),
    actor_type: Type.Optional(stringEnum(['member', 'api_key', 'system', 'anonymous'] as const)),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    object_type: Type.Optional(Type.String({ maxLength: 64 })),
    object_id: Type.Optional(Type.String({ maxLength: 64 })),
    occurred_gte: Type.Optional(Type.String({ format: 'date-time' })),
    occurred_lt: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.pageSizeMax })),
    /** Keyset pagination: the `seq` of the last row of the previous page. */
    before_seq: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

const csvColumns = ['seq', 'id', 'occurred_at', 'actor_type', 'actor_id', 'actor_label', 'action', 'object_type', 'object_id', 'address', 'request_id', 'before', 'after'] as const;

function instant(text: string | undefined, param: string): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new PaymentError('parameter_invalid', { param, details: { reason: 'not a time that can be compared' } });
  return date;
}

/** The audit trail, newest first, filtered; `Accept: text/csv` answers up to `auditCsvRowsMax` rows as CSV. */
export function registerAuditLog(app: App, deps: RouteDeps): void {
  app.get('/console/api/audit_log', { config: { console: { permission: 'audit.read' } }, schema: { ...consoleSchema, querystring: Query } }, async (request, reply) => {
    const query = request.query;
    const csv = wantsCsv(request);
    const filter = {
      actorId: query.actor,
      actorType: query.actor_type,
      action: query.action,
      objectType: query.object_type,
      objectId: query.object_id,
      occurredGte: instant(query.occurred_gte, 'occurred_gte'),
      occurredLt: instant(query.occurred_lt, 'occurred_lt'),
      beforeSeq: query.before_seq === undefined ? undefined : BigInt(query.before_seq),
      limit: csv ? limits.auditCsvRowsMax : (query.limit ?? limits.pageSizeDefault),
    };
    const page = await listAuditLog(deps.context, consoleActorOf(request).merchantId, filter);
    const data = page.data.map(presentAuditRow);
    if (csv) {
      const rows = data.map(({ actor, ...row }) => ({
        ...row,
        actor_type: actor.type,
        actor_id: actor.id,
        actor_label: actor.label,
        before: row.before === null ? null : JSON.stringify(row.before),
        after: row.after === null ? null : JSON.stringify(row.after),
      }));
      return sendCsv(reply, 'audit_log', csvColumns, rows);
    }
    return { object: 'list' as const, data, has_more: page.hasMore, next_before_seq: page.hasMore ? (data.at(-1)?.seq ?? null) : null };
  });
}
