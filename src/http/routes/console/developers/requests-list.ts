import { Type } from 'typebox';
import { PaymentError } from '../../../../domain/errors.ts';
import { limits } from '../../../../domain/limits.ts';
import { recentRequests } from '../../../../flows/console/request-log.ts';
import { stringEnum } from '../../../schemas.ts';
import { consoleActorOf, consoleSchema, type App, type RouteDeps } from '../kit.ts';

const Query = Type.Object(
  {
    mode: Type.Optional(stringEnum(['test', 'live'] as const)),
    status: Type.Optional(Type.String({ pattern: '^([1-5]xx|[1-5][0-9]{2})$' })),
    key: Type.Optional(Type.String({ maxLength: 64 })),
    path: Type.Optional(Type.String({ maxLength: 200, pattern: '^/' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.requestLogPageSizeMax })),
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  },
  { additionalProperties: false },
);

/** The merchant's recent /v1 requests, newest first: method, path (no query string), status, error code, duration, key or member. */
export function registerRequestsList(app: App, deps: RouteDeps): void {
  app.get('/console/api/requests', { config: { console: { permission: 'logs.read' } }, schema: { ...consoleSchema, querystring: Query } }, async (request) => {
    const q = request.query;
    const status = q.status;
    const range = status === undefined ? {} : status.endsWith('xx') ? { statusMin: Number(status[0]) * 100, statusMax: Number(status[0]) * 100 + 99 } : { statusMin: Number(status), statusMax: Number(status) };
    if (q.before !== undefined && BigInt(q.before) < 1n) throw new PaymentError('parameter_invalid', { param: 'before' });
    const limit = q.limit ?? 50;
    const page = await recentRequests(deps.context, consoleActorOf(request).merchantId, {
      mode: q.mode,
      ...range,
      keyId: q.key,
      pathPrefix: q.path,
      beforeSeq: q.before === undefined ? undefined : BigInt(q.before),
      limit,
    });
    return { object: 'list' as const, data: page.data, has_more: page.hasMore, next_before: page.hasMore ? (page.data.at(-1)?.id ?? null) : null };
  });
}
