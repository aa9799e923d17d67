import { Type } from 'typebox';
import { cancellationSources, cancellationStages, detectedCauses } from '../../../../domain/insight/cancellation-cause.ts';
import { cancellationReasons } from '../../../../domain/payments/payment-state.ts';
import { cancellationRecordList } from '../../../../flows/insight/cancellation-analytics.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { ListQuery, Nullable, errorResponses, listOf, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { cancellationRangeFields } from './schemas.ts';

const ListRangeQuery = Type.Object({ ...cancellationRangeFields, ...ListQuery }, { additionalProperties: false });

const Timestamp = Type.String({ format: 'date-time' });

const CancellationRecord = Type.Object({
  object: Type.Literal('cancellation_record'),
  payment: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  payment_method_type: Nullable(Type.String()),
  connector: Nullable(Type.String()),
  connector_account: Nullable(Type.String()),
  stage: stringEnum(cancellationStages, { description: 'The furthest checkout step reached before the cancellation.' }),
  reason: stringEnum(cancellationReasons),
  comment: Nullable(Type.String()),
  source: stringEnum(cancellationSources, { description: 'Who canceled: the payer at checkout, the merchant, the provider, or Paypilot (expiry: abandoned).' }),
  detected_cause: stringEnum(detectedCauses),
  customer: Nullable(Type.String({ description: 'A pseudonym, the same for one customer of this merchant, not the customer id.' })),
  payment_created_at: Timestamp,
  created_at: Timestamp,
});

const recordColumns = [
  'payment', 'amount', 'currency', 'payment_method_type', 'connector', 'connector_account', 'stage', 'reason', 'comment',
  'source', 'detected_cause', 'customer', 'payment_created_at', 'created_at',
] as const;

export function registerCancellationsList(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/cancellations',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Cancellation records, newest first',
        description:
          'One record per canceled payment created in `[from, to)`: by the payer, the merchant, the provider or the expiry (`abandoned`, source `system`). `stage` is the furthest checkout step reached; `detected_cause` comes from what preceded: a technical failure just before → `network_issue`, a decline just before → `payment_failed`, an amount changed → `price_changed`, time in checkout over 3× the merchant\'s median time to success (15 minutes without 20 successes to judge by) → `too_complicated`, else the reason given or `unknown`. `Accept: text/csv` answers CSV.',
        security: bearerAuth,
        querystring: ListRangeQuery,
        response: { 200: listOf(CancellationRecord), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const page = await cancellationRecordList(deps.context, scopeOf(request), request.query);
      if (wantsCsv(request)) return sendCsv(reply, 'cancellations', recordColumns, page.data);
      return page;
    },
  );
}
