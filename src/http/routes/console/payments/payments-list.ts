import { Type } from 'typebox';
import { limits } from '../../../../domain/limits.ts';
import { paymentStatuses } from '../../../../domain/payment-state.ts';
import { listPayments } from '../../../../store/payments.ts';
import { ListQuery, stringEnum } from '../../../schemas.ts';
import { consolePaymentView, consoleSchema, consoleScope, type App, type RouteDeps } from '../kit.ts';

const Query = Type.Object(
  { ...ListQuery, mode: Type.Optional(stringEnum(['test', 'live'] as const)), status: Type.Optional(stringEnum(paymentStatuses)), customer: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);

/** The merchant's payments, newest first (a read with no business rule: the store's list, as the API's route reads it). */
export function registerConsolePaymentsList(app: App, deps: RouteDeps): void {
  app.get('/console/api/payments', { config: { console: { permission: 'payments.read' } }, schema: { ...consoleSchema, querystring: Query } }, async (request) => {
    const { mode, limit, starting_after: startingAfter, ...filter } = request.query;
    const page = await listPayments(deps.context.db, consoleScope(request, mode), { ...filter, startingAfter, limit: limit ?? limits.pageSizeDefault });
    return { object: 'list' as const, data: page.data.map((p) => consolePaymentView(deps.context, request, p)), has_more: page.hasMore };
  });
}
