import { Type } from 'typebox';
import { alertRuleKinds } from '../../../../domain/insight/alert-rules.ts';
import { createAlertRule } from '../../../../flows/insight/alert-rules.ts';
import { errorResponses, requestObject, stringEnum } from '../../../schemas.ts';
import { bearerAuth, scopeOf, type App, type RouteDeps } from '../../route-kit.ts';
import { AlertRule, EditableFields, tags } from './schemas.ts';

const paymentMethodTypes = ['card', 'alipay', 'wechat_pay', 'unionpay', 'wallet'] as const;

const ruleDescription =
  'Evaluated by the worker every minute. An alert triggers once when the figure over the window is above the threshold (with at least min_sample observations), and resolves by itself when a whole window is at or below 90 % of the level it triggered above; each change is sent as the webhook event alert.triggered / alert.resolved and emailed to the operations address (POST /v1/alert_settings). failure_rate: failed / completed authorize attempts of the channel; cancellation_rate: canceled / created payments (by the method chosen); latency_p95: the 95th percentile of attempt latency; circuit_opened: a connector account\'s circuit breaker is open.';

export function registerAlertRulesCreate(app: App, deps: RouteDeps): void {
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
    async (request) => createAlertRule(deps.context, scopeOf(request), request.body),
  );
}
