/** Alert rules, /v1/alerts, the operations address alerts go to, and /v1/analytics/incidents. */
import { Type } from 'typebox';
import { alertPolicy, alertRuleBounds, alertRuleKinds } from '../../../domain/insight/alert-rules.ts';
import {
  acknowledge,
  alertList,
  alertRuleList,
  alertSettings,
  changeAlertRule,
  changeAlertSettings,
  createAlertRule,
  incidentReport,
  removeAlertRule,
  retrieveAlert,
  retrieveAlertRule,
} from '../../../flows/insight/alert-rules.ts';
import { alertCsvColumns, incidentCsvColumns } from '../../../flows/insight/present-alerts.ts';
import { sendCsv, wantsCsv } from '../../csv-reply.ts';
import { IdParams, ListQuery, Nullable, errorResponses, listOf, requestObject, stringEnum } from '../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../route-kit.ts';

const Timestamp = Type.String({ format: 'date-time' });
const paymentMethodTypes = ['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const;

const AlertRule = Type.Object({
  id: Type.String(),
  object: Type.Literal('alert_rule'),
  livemode: Type.Boolean(),
  kind: stringEnum(alertRuleKinds),
  payment_method_type: Nullable(Type.String()),
  connector_account: Nullable(Type.String()),
  window_seconds: Type.Integer(),
  threshold: Nullable(Type.Number()),
  baseline_k_stddev: Nullable(Type.Number()),
  baseline_windows: Type.Integer(),
  min_sample: Type.Integer(),
  enabled: Type.Boolean(),
  description: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const Alert = Type.Object({
  id: Type.String(),
  object: Type.Literal('alert'),
  livemode: Type.Boolean(),
  rule: Type.String(),
  kind: stringEnum(alertRuleKinds),
  state: stringEnum(['triggered', 'resolved'] as const),
  payment_method_type: Nullable(Type.String()),
  connector_account: Nullable(Type.String()),
  value: Type.Number({ description: 'What was measured when it triggered: a rate (0–1), milliseconds (latency_p95) or open circuits.' }),
  threshold: Type.Number({ description: 'The level it rose above: the fixed threshold, or the baseline (mean + k·stddev) at that time.' }),
  sample_count: Type.Integer({ description: 'Observations in the window when it triggered.' }),
  condition_started_at: Timestamp,
  triggered_at: Timestamp,
  acknowledged_at: Nullable(Timestamp),
  resolved_at: Nullable(Timestamp),
  resolved_value: Nullable(Type.Number()),
  resolution: Nullable(stringEnum(['recovered', 'rule_disabled', 'rule_deleted'] as const)),
  time_to_detect_ms: Type.Integer({ description: 'triggered_at − condition_started_at.' }),
  time_to_acknowledge_ms: Nullable(Type.Integer({ description: 'acknowledged_at − triggered_at.' })),
  time_to_resolve_ms: Nullable(Type.Integer({ description: 'resolved_at − triggered_at.' })),
  created_at: Timestamp,
});

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

const AlertSettings = Type.Object({
  object: Type.Literal('alert_settings'),
  operations_email: Nullable(Type.String()),
  support_email: Nullable(Type.String()),
  alerts_emailed_to: Nullable(Type.String({ description: 'operations_email, else support_email; null: alerts are not emailed.' })),
});

const b = alertRuleBounds;
const Threshold = Type.Number({
  minimum: 0,
  maximum: b.latencyThresholdMsMax,
  description: 'failure_rate and cancellation_rate: a rate from 0 to 1 (with baseline_k_stddev, a floor). latency_p95: the bound in milliseconds. circuit_opened: none.',
});
const EditableFields = {
  window_seconds: Type.Optional(Type.Integer({ minimum: b.windowSecondsMin, maximum: b.windowSecondsMax, description: `The window the figure is measured over (default ${alertPolicy.windowSecondsDefault}).` })),
  threshold: Type.Optional(Nullable(Threshold)),
  baseline_k_stddev: Type.Optional(
    Nullable(Type.Number({ exclusiveMinimum: 0, maximum: b.baselineKStddevMax, description: 'Trigger above the mean + k standard deviations of the same rate over the baseline_windows windows before.' })),
  ),
  baseline_windows: Type.Optional(Type.Integer({ minimum: alertPolicy.baselineWindowsMin, maximum: b.baselineWindowsMax, description: `Default ${alertPolicy.baselineWindowsDefault}.` })),
  min_sample: Type.Optional(Type.Integer({ minimum: 1, maximum: b.minSampleMax, description: `Fewer observations in the window than this decide nothing (default ${alertPolicy.minSampleDefault}).` })),
  enabled: Type.Optional(Type.Boolean({ description: 'false: not evaluated; an open alert of the rule resolves (resolution rule_disabled).' })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
};

const tags = ['Alerts'];
const ruleDescription =
  'Evaluated by the worker every minute. An alert triggers once when the figure over the window is above the threshold (with at least min_sample observations), and resolves by itself when a whole window is at or below 90 % of the level it triggered above; each change is sent as the webhook event alert.triggered / alert.resolved and emailed to the operations address (POST /v1/alert_settings). failure_rate: failed / completed authorize attempts of the channel; cancellation_rate: canceled / created payments (by the method chosen); latency_p95: the 95th percentile of attempt latency; circuit_opened: a connector account\'s circuit breaker is open.';

export function registerAlerts(app: App, deps: RouteDeps): void {
  const context = deps.context;

  app.post(
    '/v1/alert_rules',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Create an alert rule',
        description: ruleDescription,
        security: bearerAuth,
        body: requestObject({
          kind: stringEnum(alertRuleKinds),
          payment_method_type: Type.Optional(stringEnum(paymentMethodTypes, { description: 'The channel; all channels when absent.' })),
          connector_account: Type.Optional(Type.String({ maxLength: 64, description: 'Only this connector account (not for cancellation_rate).' })),
          ...EditableFields,
        }),
        response: { 200: AlertRule, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => createAlertRule(context, scopeOf(request), request.body),
  );

  app.get(
    '/v1/alert_rules',
    { config: { auth: 'secret' }, schema: { tags, summary: 'List alert rules', security: bearerAuth, querystring: Type.Object(ListQuery, { additionalProperties: false }), response: { 200: listOf(AlertRule), ...errorResponses(400, 401) } } },
    async (request) => alertRuleList(context, scopeOf(request), request.query),
  );

  app.get(
    '/v1/alert_rules/:id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Retrieve an alert rule', security: bearerAuth, params: IdParams, response: { 200: AlertRule, ...errorResponses(401, 404) } } },
    async (request) => retrieveAlertRule(context, scopeOf(request), request.params.id),
  );

  app.post(
    '/v1/alert_rules/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Update an alert rule',
        description: 'Turn it on or off, or change its window, threshold, baseline or minimum sample. An open alert keeps the level it triggered above until it resolves.',
        security: bearerAuth,
        params: IdParams,
        body: requestObject(EditableFields),
        response: { 200: AlertRule, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => changeAlertRule(context, scopeOf(request), request.params.id, request.body),
  );

  app.delete(
    '/v1/alert_rules/:id',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Delete an alert rule',
        description: 'Its open alert resolves (resolution rule_deleted); its alerts stay listed.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Type.Object({ id: Type.String(), object: Type.Literal('alert_rule'), deleted: Type.Literal(true) }), ...errorResponses(401, 404) },
      },
    },
    async (request) => removeAlertRule(context, scopeOf(request), request.params.id),
  );

  app.get(
    '/v1/alerts',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'List alerts',
        description:
          'Newest first. Each alert records when its condition began, when it triggered, was acknowledged and resolved, and the times between. With `Accept: text/csv`, the page as CSV.',
        security: bearerAuth,
        querystring: Type.Object(
          { ...ListQuery, state: Type.Optional(stringEnum(['triggered', 'resolved'] as const)), rule: Type.Optional(Type.String({ maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: listOf(Alert), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const page = await alertList(context, scopeOf(request), request.query);
      if (wantsCsv(request)) return sendCsv(reply, 'alerts', alertCsvColumns, page.data);
      return page;
    },
  );

  app.get(
    '/v1/alerts/:id',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Retrieve an alert', security: bearerAuth, params: IdParams, response: { 200: Alert, ...errorResponses(401, 404) } } },
    async (request) => retrieveAlert(context, scopeOf(request), request.params.id),
  );

  app.post(
    '/v1/alerts/:id/acknowledge',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Acknowledge an alert',
        description: 'Records who-knows-when: the first acknowledgement is kept, a second changes nothing. It does not resolve the alert.',
        security: bearerAuth,
        params: IdParams,
        response: { 200: Alert, ...errorResponses(401, 404) },
      },
    },
    async (request) => acknowledge(context, scopeOf(request), request.params.id),
  );

  app.get(
    '/v1/alert_settings',
    { config: { auth: 'secret' }, schema: { tags, summary: 'Where alerts are emailed', security: bearerAuth, response: { 200: AlertSettings, ...errorResponses(401) } } },
    async (request) => alertSettings(context, scopeOf(request)),
  );

  app.post(
    '/v1/alert_settings',
    {
      config: { auth: 'secret' },
      schema: {
        tags,
        summary: 'Set the operations address',
        description: 'Alerts of both modes are emailed to operations_email; null falls back to the support address.',
        security: bearerAuth,
        body: requestObject({ operations_email: Nullable(Type.String({ maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' })) }),
        response: { 200: AlertSettings, ...errorResponses(400, 401) },
      },
    },
    async (request) => changeAlertSettings(context, scopeOf(request), request.body),
  );

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
      const report = await incidentReport(context, scopeOf(request), request.query);
      if (wantsCsv(request)) return sendCsv(reply, `incidents_${report.from}_${report.to}`, incidentCsvColumns, report.data);
      return report;
    },
  );
}
