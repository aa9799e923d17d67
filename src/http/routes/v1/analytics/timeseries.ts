/**
 * GET /v1/analytics/timeseries: the summary's payment figures per UTC hour
 * or day, every bucket of the range. JSON, or CSV with `Accept: text/csv`.
 */
import { Type } from 'typebox';
import { analyticsGranularities } from '../../../../domain/insight/analytics.ts';
import { limits } from '../../../../domain/limits.ts';
import { analyticsTimeseries, presentTimeseries, timeseriesCsv } from '../../../../flows/insight/analytics.ts';
import { fileStamp, sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { Nullable, errorResponses, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { Figures, FiguresRangeQuery, definitions } from './schemas.ts';

const TimeseriesQuery = Type.Object(
  {
    ...FiguresRangeQuery,
    granularity: stringEnum(analyticsGranularities, { description: `UTC hours (a range of at most ${limits.analyticsHourlyRangeDaysMax} days) or UTC days.` }),
  },
  { additionalProperties: false },
);

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

export function registerAnalyticsTimeseries(app: App, deps: RouteDeps): void {
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
