/**
 * GET /v1/analytics/summary: exact payment figures for any [from, to), read
 * from rollups kept by triggers (whole hours) and the raw tables (the partial
 * hours at the edges). JSON, or CSV with `Accept: text/csv`.
 */
import { Type } from 'typebox';
import { analyticsSummary, presentSummary, summaryCsvByChannel, summaryCsvByCurrency } from '../../../../flows/insight/analytics.ts';
import { fileStamp, sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { Nullable, errorResponses, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Figures, FiguresRangeQuery, Rate, definitions } from './schemas.ts';

const SummaryQuery = Type.Object(
  {
    ...FiguresRangeQuery,
    csv_rows: Type.Optional(
      stringEnum(['currency', 'channel'] as const, { description: 'With `Accept: text/csv` only: one row per currency (default) or one per channel.' }),
    ),
  },
  { additionalProperties: false },
);

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

export function registerAnalyticsSummary(app: App, deps: RouteDeps): void {
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
}
