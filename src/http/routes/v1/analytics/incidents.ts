import { Type } from 'typebox';
import { incidentReport } from '../../../../flows/insight/alert-rules.ts';
import { incidentCsvColumns } from '../../../../flows/insight/present-alerts.ts';
import { sendCsv, wantsCsv } from '../../../csv-reply.ts';
import { Nullable, errorResponses, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';

const Timestamp = Type.String({ format: 'date-time' });

const Incident = Type.Object({
  id: Type.String(),
  object: Type.Literal('connector_incident'),
  livemode: Type.Boolean(),
  kind: stringEnum(['circuit_open', 'success_rate_alert'] as const),
  connector_account: Nullable(Type.String()),
  connector: Nullable(Type.String()),
  payment_method_type: Nullable(Type.String()),
  alert: Nullable(Type.String()),
  started_at: Timestamp,
  ended_at: Nullable(Timestamp),
  duration_ms: Nullable(Type.Integer()),
});

const IncidentReport = Type.Object({
  object: Type.Literal('analytics_incidents'),
  from: Timestamp,
  to: Timestamp,
  incidents: Type.Integer({ description: 'Incidents that started in [from, to).' }),
  incidents_ended: Type.Integer(),
  mean_time_to_recover_ms: Nullable(Type.Integer({ description: 'Mean of duration_ms over the ended incidents; null when none ended.' })),
  data: Type.Array(Incident),
  has_more: Type.Boolean({ description: 'More incidents started in the range than the 1000 listed (newest first); the figures count them all.' }),
});

export function registerAnalyticsIncidents(app: App, deps: RouteDeps): void {
  app.get(
    '/v1/analytics/incidents',
    {
      config: { auth: 'secret' },
      schema: {
        tags: ['Analytics'],
        summary: 'Connector incidents and the mean time to recover',
        description:
          'Incidents that started in [from, to): a connector account\'s circuit open → closed (circuit_open), or a failure-rate alert on a channel, from the condition\'s start to its resolution (success_rate_alert). duration_ms is null while one goes on; mean_time_to_recover_ms is over the ended ones. With `Accept: text/csv`, the incidents as CSV.',
        security: bearerAuth,
        querystring: Type.Object({ from: Timestamp, to: Timestamp }, { additionalProperties: false }),
        response: { 200: IncidentReport, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const report = await incidentReport(deps.context, scopeOf(request), request.query);
      if (wantsCsv(request)) return sendCsv(reply, `incidents_${report.from}_${report.to}`, incidentCsvColumns, report.data);
      return report;
    },
  );
}
