import { Type } from 'typebox';
import { flaggedCustomerList } from '../../../../flows/insight/cancellation-analytics.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { ListQuery, errorResponses, listOf } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Timestamp = Type.String({ format: 'date-time' });

const FlaggedCustomer = Type.Object({
  object: Type.Literal('flagged_customer'),
  customer: Type.String(),
  active: Type.Boolean(),
  reason: Type.String(),
  cancellations: Type.Integer({ description: 'Cancellations within the hour when last flagged.' }),
  max_cancellations_per_hour: Type.Integer(),
  times_flagged: Type.Integer(),
  first_flagged_at: Timestamp,
  flagged_at: Timestamp,
  flagged_until: Timestamp,
});

const FlagsQuery = Type.Object(
  {
    ...ListQuery,
    active: Type.Optional(Type.Boolean({ default: true, description: 'false: flags that ran out too.' })),
    customer: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const flagColumns = ['customer', 'active', 'reason', 'cancellations', 'max_cancellations_per_hour', 'times_flagged', 'first_flagged_at', 'flagged_at', 'flagged_until'] as const;

export function registerFlaggedCustomersList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/flagged_customers',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Customers flagged for abuse of cancellation, newest flag first',
        description:
          'A customer is flagged when their cancellations in the last hour (their own at checkout, or the merchant\'s with reason `requested_by_customer`) exceed `max_cancellations_per_hour`; the flag holds `flag_duration_hours` from the last flagging. `Accept: text/csv` answers CSV.',
        security: bearerAuth,
        querystring: FlagsQuery,
        response: { 200: listOf(FlaggedCustomer), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const page = await flaggedCustomerList(deps.context, scopeOf(request), request.query);
      if (wantsCsv(request)) return sendCsv(reply, 'flagged-customers', flagColumns, page.data);
      return page;
    },
  );
}
