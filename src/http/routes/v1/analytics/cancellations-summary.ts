import { Type } from 'typebox';
import { cancellationSources, cancellationStages, detectedCauses } from '../../../../domain/insight/cancellation-cause.ts';
import { cancellationReasons } from '../../../../domain/payments/payment-state.ts';
import { cancellationSummary } from '../../../../flows/insight/cancellation-analytics.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { Nullable, errorResponses } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { cancellationRangeFields } from './schemas.ts';

const RangeQuery = Type.Object(cancellationRangeFields, { additionalProperties: false });

const Timestamp = Type.String({ format: 'date-time' });
const countsOf = (values: readonly string[]) => Type.Object(Object.fromEntries(values.map((v) => [v, Type.Integer()])));
const ratesOf = (values: readonly string[]) => Type.Object(Object.fromEntries(values.map((v) => [v, Type.Number()])));

const CancellationSummary = Type.Object({
  object: Type.Literal('cancellation_summary'),
  from: Timestamp,
  to: Timestamp,
  currency: Nullable(Type.String()),
  payments_created: Type.Integer(),
  cancellations: Type.Integer(),
  cancellation_rate: Type.Number(),
  by_reason: countsOf(cancellationReasons),
  by_stage: countsOf(cancellationStages),
  by_source: countsOf(cancellationSources),
  by_detected_cause: countsOf(detectedCauses),
  cancellation_rate_by_reason: ratesOf(cancellationReasons),
  cancellation_rate_by_stage: ratesOf(cancellationStages),
});

export function registerCancellationsSummary(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/cancellations/summary',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Cancellations by reason, stage, source and detected cause',
        description:
          'Over payments created in `[from, to)`. Rates are cancellations (of that reason, or at that stage) / payments created, rounded to 4 decimals. `Accept: text/csv` answers one row per figure: `dimension,value,count,rate`.',
        security: bearerAuth,
        querystring: RangeQuery,
        response: { 200: CancellationSummary, ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { summary, rows } = await cancellationSummary(deps.context, scopeOf(request), request.query);
      if (wantsCsv(request)) return sendCsv(reply, 'cancellations-summary', ['dimension', 'value', 'count', 'rate'], rows);
      return summary;
    },
  );
}
