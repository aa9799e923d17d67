import { Type } from 'typebox';
import { paymentStatuses } from '../../../../domain/payments/payment-state.ts';
import { limits } from '../../../../domain/limits.ts';
import { PaymentError } from '../../../../domain/errors.ts';
import { listPayments } from '../../../../store/payments.ts';
import { ListQuery, Payment, errorResponses, listOf, stringEnum } from '../../../schemas.ts';
import { bearerAuth, paymentView, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Query = Type.Object(
  {
    ...ListQuery,
    status: Type.Optional(stringEnum(paymentStatuses)),
    customer: Type.Optional(Type.String({ maxLength: 64 })),
    created_gte: Type.Optional(Type.String({ format: 'date-time' })),
    created_lt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export function registerPaymentsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/payments',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Payments'],
        summary: 'List payments, newest first',
        security: bearerAuth,
        querystring: Query,
        response: { 200: listOf(Payment), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const query = request.query;
      const createdGte = parseTimestamp(query.created_gte, 'created_gte');
      const createdLt = parseTimestamp(query.created_lt, 'created_lt');
      const page = await listPayments(deps.context.db, scopeOf(request), {
        status: query.status,
        customer: query.customer,
        createdGte,
        createdLt,
        startingAfter: query.starting_after,
        limit: query.limit ?? limits.pageSizeDefault,
      });
      return { object: 'list' as const, data: page.data.map((p) => paymentView(deps, request, p)), has_more: page.hasMore };
    },
  );
}

/** RFC 3339 allows a leap second (23:59:60) that JavaScript dates cannot hold: refuse it rather than fail later. */
function parseTimestamp(text: string | undefined, param: string): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new PaymentError('parameter_invalid', { param, details: { reason: 'not a time that can be compared' } });
  return date;
}
