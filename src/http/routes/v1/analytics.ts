/**
 * GET /v1/analytics/summary and GET /v1/analytics/timeseries: exact payment
 * figures for any [from, to), read from rollups kept by triggers (whole
 * hours) and the raw tables (the partial hours at the edges). JSON, or CSV
 * with `Accept: text/csv`. The definitions are in src/domain/insight/analytics.ts.
 */
import { Type } from 'typebox';
import { analyticsGranularities } from '../../../domain/insight/analytics.ts';
import { limits } from '../../../domain/limits.ts';
import {
  analyticsSummary,
  analyticsTimeseries,
  presentSummary,
  presentTimeseries,
  summaryCsvByChannel,
  summaryCsvByCurrency,
  timeseriesCsv,
} from '../../../flows/insight/analytics.ts';
import { sendCsv, wantsCsv } from '../../csv-reply.ts';
import { CurrencyInput, Nullable, errorResponses, stringEnum } from '../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

const Instant = (description: string) =>
  Type.String({ minLength: 10, maxLength: 40, description: `${description} ISO 8601 with a time zone (2026-03-01T08:00:00+08:00), to the millisecond, or a date (2026-03-01, 00:00 UTC).` });

const RangeQuery = {
  from: Instant('Start of the range, inclusive, on the payment’s created_at.'),
  to: Instant('End of the range, exclusive.'),
  currency: Type.Optional({ ...CurrencyInput, description: 'Only payments in this currency; amounts then appear as plain numbers.' }),
};

const SummaryQuery = Type.Object(
  {
    ...RangeQuery,
    csv_rows: Type.Optional(
      stringEnum(['currency', 'channel'] as const, { description: 'With `Accept: text/csv` only: one row per currency (default) or one per channel.' }),
    ),
  },
  { additionalProperties: false },
);

const TimeseriesQuery = Type.Object(
  {
    ...RangeQuery,
    granularity: stringEnum(analyticsGranularities, { description: `UTC hours (a range of at most ${limits.analyticsHourlyRangeDaysMax} days) or UTC days.` }),
  },
  { additionalProperties: false },
);

const Rate = (description: string) => Nullable(Type.Number({ minimum: 0, maximum: 1, description: `${description} Null when the denominator is 0.` }));
const Count = (description: string) => Type.Integer({ minimum: 0, description });

const Figures = {
  payments_created: Count('Payments created in the range.'),
  payments_attempted: Count('Of those, confirmed at least once (with at least one authorize attempt).'),
  payments_succeeded: Count('Of those, succeeded now.'),
  payments_canceled: Count('Of those, canceled now (any reason).'),
  payments_abandoned: Count('Of those, canceled with reason `abandoned`.'),
  payments_refunded: Count('Succeeded payments with at least one succeeded refund.'),
  amount_succeeded: Nullable(Type.Integer({ description: 'Sum of amount_received of the succeeded payments, minor units. Null without `currency`: see `amounts`.' })),
  average_order_value: Nullable(Type.Integer({ description: 'amount_succeeded / payments_succeeded rounded half up. Null without `currency` or without succeeded payments.' })),
  amounts: Type.Array(
    Type.Object({
      currency: Type.String(),
      payments_succeeded: Type.Integer(),
      amount_succeeded: Type.Integer(),
      average_order_value: Nullable(Type.Integer()),
    }),
    { description: 'One entry per currency that has payments in the range, in currency order (only the filtered one with `currency`).' },
  ),
  success_rate: Rate('payments_succeeded / payments_attempted.'),
  conversion_rate: Rate('payments_succeeded / payments_created.'),
  cancellation_rate: Rate('payments_canceled / payments_created.'),
  abandonment_rate: Rate('payments_abandoned / payments_created.'),
  refund_rate: Rate('payments_refunded / payments_succeeded.'),
  cancellations_by_reason: Type.Record(Type.String(), Type.Integer(), { description: 'Canceled payments per cancellation_reason; every reason is listed, 0 included.' }),
  decline_codes: Type.Record(Type.String(), Type.Integer(), {
    description: 'Failed authorize attempts per decline_code, or error code when there is none; only codes that occurred, most frequent first.',
  }),
};

const Channel = Type.Object({
  payment_method_type: Type.String(),
  connector_account: Nullable(Type.String({ description: 'The connector account (ca_…); null for the wallet.' })),
  attempts: Type.Integer({ description: 'Authorize attempts with an outcome (succeeded or failed).' }),
  attempts_succeeded: Type.Integer(),
  success_rate: Rate('attempts_succeeded / attempts.'),
  latency_ms: Type.Object(
    { p50: Nullable(Type.Integer()), p95: Nullable(Type.Integer()), p99: Nullable(Type.Integer()) },
    { description: 'Nearest-rank percentiles of the attempts’ latency in ms: the smallest latency with at least ceil(p·N/100) attempts at or below it.' },
  ),
});

const Summary = Type.Object({
  object: Type.Literal('analytics_summary'),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  currency: Nullable(Type.String()),
  ...Figures,
  by_channel: Type.Array(Channel, { description: 'One entry per payment method type and connector account with attempts, ordered by both.' }),
});

const Timeseries = Type.Object({
  object: Type.Literal('analytics_timeseries'),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  currency: Nullable(Type.String()),
  granularity: stringEnum(analyticsGranularities),
  data: Type.Array(Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }), ...Figures }), {
    description: 'Every bucket of the range, oldest first, empty ones included.',
  }),
});

const definitions = `Every figure is exact for the range asked and can be recounted from the payments, attempts and refunds.
The range is half-open, \`[from, to)\`, on the payment's \`created_at\`, at most ${limits.analyticsRangeDaysMax} days; a payment counts
in the range it was created in, with the status it has now (a payment canceled a week later changes the figures of the hour it was
created in). Wallet top-ups are payments and count like any other. Counts and rates span every currency unless \`currency\` is given;
amounts are never added across currencies: without \`currency\`, \`amount_succeeded\` and \`average_order_value\` are null and
\`amounts\` has one entry per currency. Rates are from 0 to 1 rounded half up to 4 decimals, and null when their denominator is 0
(no data, rather than a misleading 0). A payment is attempted once it has an authorize attempt (a card refused before reaching a
provider, such as a mistyped number, makes none). Attempts (decline codes, channels) are the authorize attempts of the payments
created in the range that have an outcome, succeeded or failed; captures and voids are not attempts.`;

export function registerAnalytics(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/summary',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Payment figures for a range',
        description: `${definitions}

With \`Accept: text/csv\`: one row per currency (that currency's figures; without \`currency\`, a last row with an empty currency
holds the counts and rates over all currencies and no amounts), or with \`csv_rows=channel\` one row per channel. Nested figures
become dotted columns (\`cancellations_by_reason.abandoned\`, \`latency_ms.p95\`).`,
        security: bearerAuth,
        querystring: SummaryQuery,
        response: { 200: Summary, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const { csv_rows: csvRows, ...parameters } = request.query;
      const summary = await analyticsSummary(deps.context, scopeOf(request), parameters);
      if (wantsCsv(request)) {
        const table = csvRows === 'channel' ? summaryCsvByChannel(summary) : summaryCsvByCurrency(summary);
        return sendCsv(reply, `analytics_summary_${csvRows ?? 'currency'}_${fileStamp(summary.range.from)}_${fileStamp(summary.range.to)}`, table.columns, table.rows);
      }
      return presentSummary(summary);
    },
  );

  app.get(
    '/v1/analytics/timeseries',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Payment figures per hour or day',
        description: `${definitions}

The buckets are whole UTC hours or days; the first and last are cut to the range, so they cover it exactly. A bucket has the
summary's figures but not \`by_channel\` (ask the summary for a bucket's \`from\` and \`to\`). Hourly buckets need a range of at most
${limits.analyticsHourlyRangeDaysMax} days. With \`Accept: text/csv\`: one row per bucket; without \`currency\`, amounts go in one column
per currency (\`amount_succeeded.CNY\`).`,
        security: bearerAuth,
        querystring: TimeseriesQuery,
        response: { 200: Timeseries, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const series = await analyticsTimeseries(deps.context, scopeOf(request), request.query);
      if (wantsCsv(request)) {
        const table = timeseriesCsv(series);
        return sendCsv(reply, `analytics_timeseries_${series.granularity}_${fileStamp(series.range.from)}_${fileStamp(series.range.to)}`, table.columns, table.rows);
      }
      return presentTimeseries(series);
    },
  );
}

/** 2026-03-01T08:00:00.000Z → 20260301T080000Z, for a file name. */
function fileStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
