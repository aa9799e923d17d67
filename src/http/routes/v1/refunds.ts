import { Type } from 'typebox';
import { PaymentError } from '../../../domain/errors.ts';
import { limits } from '../../../domain/limits.ts';
import { presentRefund } from '../../../flows/payments/present.ts';
import { refundPayment, refundReasons } from '../../../flows/payments/refund-payment.ts';
import { findRefund, listRefunds } from '../../../store/refunds.ts';
import { AmountInput, IdParams, ListQuery, Refund, errorResponses, listOf, requestObject, stringEnum } from '../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

export function registerRefunds(app: App, deps: RouteDeps): void {
  app.post(
    '/v1/refunds',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Refunds'],
        summary: 'Refund a payment, in full or in part',
        description:
          'Omit `amount` to refund all that remains. The refunds of a payment that are not failed never add up to more than it received, however many are sent at once.',
        security: bearerAuth,
        body: requestObject({
          payment: Type.String({ maxLength: 64 }),
          amount: Type.Optional(AmountInput),
          reason: Type.Optional(stringEnum(refundReasons)),
        }),
        response: { 200: Refund, ...errorResponses(400, 401, 404, 409, 422) },
      },
    },
    async (request) => presentRefund(await refundPayment(deps.context, scopeOf(request), request.body)),
  );

  app.get(
    '/v1/refunds/:id',
    {
      config: { auth: 'secret' },
      schema: { tags: ['Refunds'], summary: 'Retrieve a refund', security: bearerAuth, params: IdParams, response: { 200: Refund, ...errorResponses(401, 404) } },
    },
    async (request) => {
      const refund = await findRefund(deps.context.db, scopeOf(request), request.params.id);
      if (!refund) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'refund', id: request.params.id } });
      return presentRefund(refund);
    },
  );

  app.get(
    '/v1/refunds',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Refunds'],
        summary: 'List refunds, newest first',
        security: bearerAuth,
        querystring: Type.Object({ ...ListQuery, payment: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: listOf(Refund), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const page = await listRefunds(deps.context.db, scopeOf(request), {
        payment: request.query.payment,
        startingAfter: request.query.starting_after,
        limit: request.query.limit ?? limits.pageSizeDefault,
      });
      return { object: 'list' as const, data: page.data.map(presentRefund), has_more: page.hasMore };
    },
  );
}
