import { Type } from 'typebox';
import { paymentStatuses } from '../../../domain/payment-state.ts';
import { limits } from '../../../domain/limits.ts';
import { listPayments } from '../../../store/payments.ts';
import { ListQuery, Payment, errorResponses, listOf, stringEnum } from '../../schemas.ts';
import { bearerAuth, paymentView, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

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
      const page = await listPayments(deps.context.db, scopeOf(request), {
        status: query.status,
        customer: query.customer,
        createdGte: query.created_gte ? new Date(query.created_gte) : undefined,
        createdLt: query.created_lt ? new Date(query.created_lt) : undefined,
        startingAfter: query.starting_after,
        limit: query.limit ?? limits.pageSizeDefault,
      });
      return { object: 'list' as const, data: page.data.map((p) => paymentView(deps, request, p)), has_more: page.hasMore };
    },
  );
}
