/**
 * Which /v1 routes a console session may call with its cookie (no API key),
 * and the permission each needs: any one of those listed. A /v1 route absent
 * from this table is refused to sessions, so a route added to the API is
 * closed to the console until someone decides who may call it.
 *
 * Money-moving writes (refund, capture, cancel) are deliberately absent: the
 * console makes them through /console/api/payments/*, where the support
 * refund limit applies. So are the payer's routes (checkout, confirm, wallet
 * PIN) and creating payments or customers, which no console page does.
 *
 * Keys are `METHOD path`, with the path as Fastify declares it (`:id`).
 */
import type { ConsolePermission } from './permissions.ts';

export interface SessionRoute {
  /** Any one of these lets the role call the route. */
  permissions: readonly [ConsolePermission, ...ConsolePermission[]];
}

const route = (...permissions: [ConsolePermission, ...ConsolePermission[]]): SessionRoute => ({ permissions });

export const sessionRoutes: Readonly<Record<string, SessionRoute>> = {
  'GET /v1/payments': route('payments.read'),
  'GET /v1/payments/:id': route('payments.read'),
  'GET /v1/payments/:id/attempts': route('payments.read'),
  'GET /v1/payments/:id/history': route('payments.read'),
  'GET /v1/payments/:id/funnel_events': route('payments.read', 'analytics.read'),
  'GET /v1/refunds': route('payments.read'),
  'GET /v1/refunds/:id': route('payments.read'),

  'GET /v1/customers/:id': route('customers.read'),
  'GET /v1/customers/:id/wallet': route('customers.read'),
  'GET /v1/customers/:id/wallet/transactions': route('customers.read'),
  'GET /v1/customers/:id/points': route('customers.read'),

  'GET /v1/analytics/summary': route('analytics.read'),
  'GET /v1/analytics/timeseries': route('analytics.read'),
  'GET /v1/analytics/cancellations': route('analytics.read'),
  'GET /v1/analytics/cancellations/summary': route('analytics.read'),
  'GET /v1/analytics/flagged_customers': route('analytics.read', 'customers.read'),
  'GET /v1/analytics/customer_segments': route('analytics.read'),
  'GET /v1/analytics/feedback': route('analytics.read'),
  'GET /v1/analytics/feedback_themes': route('analytics.read'),
  'GET /v1/analytics/experience': route('analytics.read'),
  'GET /v1/analytics/points': route('analytics.read', 'loyalty.read'),
  'GET /v1/analytics/incidents': route('analytics.read', 'alerts.read'),

  'GET /v1/cancellation_abuse_settings': route('settings.read'),
  'POST /v1/cancellation_abuse_settings': route('settings.manage'),

  'GET /v1/alerts': route('alerts.read'),
  'GET /v1/alerts/:id': route('alerts.read'),
  'POST /v1/alerts/:id/acknowledge': route('alerts.manage'),
  'GET /v1/alert_rules': route('alerts.read'),
  'GET /v1/alert_rules/:id': route('alerts.read'),
  'POST /v1/alert_rules': route('alerts.manage'),
  'POST /v1/alert_rules/:id': route('alerts.manage'),
  'DELETE /v1/alert_rules/:id': route('alerts.manage'),
  'GET /v1/alert_settings': route('alerts.read', 'settings.read'),
  'POST /v1/alert_settings': route('settings.manage'),

  'GET /v1/after_sales_requests': route('after_sales.manage'),
  'GET /v1/after_sales_requests/:id': route('after_sales.manage'),
  'POST /v1/after_sales_requests/:id/approve': route('after_sales.manage'),
  'POST /v1/after_sales_requests/:id/reject': route('after_sales.manage'),

  'GET /v1/support_requests': route('support_requests.manage'),
  'GET /v1/support_requests/:id': route('support_requests.manage'),
  'POST /v1/support_requests/:id/replies': route('support_requests.manage'),
  'POST /v1/support_requests/:id/resolve': route('support_requests.manage'),
  'POST /v1/support_requests/:id/reopen': route('support_requests.manage'),
  'GET /v1/analytics/support': route('analytics.read', 'support_requests.manage'),

  'GET /v1/api_keys': route('keys.manage'),
  'POST /v1/api_keys': route('keys.manage'),
  'POST /v1/api_keys/:id/roll': route('keys.manage'),
  'POST /v1/api_keys/:id/revoke': route('keys.manage'),

  'GET /v1/webhook_endpoints': route('webhooks.manage'),
  'GET /v1/webhook_endpoints/:id': route('webhooks.manage'),
  'POST /v1/webhook_endpoints': route('webhooks.manage'),
  'POST /v1/webhook_endpoints/:id': route('webhooks.manage'),
  'DELETE /v1/webhook_endpoints/:id': route('webhooks.manage'),
  'GET /v1/webhook_endpoints/:id/deliveries': route('webhooks.manage'),
  'GET /v1/events': route('webhooks.manage'),
  'GET /v1/events/:id': route('webhooks.manage'),
  'POST /v1/events/:id/redeliver': route('webhooks.manage'),

  'GET /v1/coupons': route('coupons.read', 'analytics.read'),
  'GET /v1/coupons/:id': route('coupons.read', 'analytics.read'),
  'GET /v1/coupons/:id/redemptions': route('coupons.read', 'analytics.read'),
  'POST /v1/coupons': route('coupons.manage'),
  'POST /v1/coupons/:id/disable': route('coupons.manage'),
  'GET /v1/analytics/coupons': route('analytics.read', 'coupons.read'),

  'GET /v1/experiments': route('experiments.read', 'analytics.read'),
  'GET /v1/experiments/:id': route('experiments.read', 'analytics.read'),
  'GET /v1/experiments/:id/results': route('experiments.read', 'analytics.read'),
  'GET /v1/checkout_setting': route('experiments.read', 'analytics.read'),
  'POST /v1/experiments': route('experiments.manage'),
  'POST /v1/experiments/:id/start': route('experiments.manage'),
  'POST /v1/experiments/:id/stop': route('experiments.manage'),

  'GET /v1/loyalty/programme': route('loyalty.read'),
  'PUT /v1/loyalty/programme': route('loyalty.manage'),

  // Risk (the Risk page and a payment's page). Approving a review captures and rejecting cancels: the same money
  // moves as /console/api/payments' capture and cancel, which the same roles (owners, admins, operators) may make.
  'GET /v1/risk_rules': route('risk.read', 'analytics.read'),
  'GET /v1/risk_rules/signals': route('risk.read', 'analytics.read'),
  'GET /v1/risk_rules/:id': route('risk.read', 'analytics.read'),
  'POST /v1/risk_rules': route('risk_rules.manage'),
  'POST /v1/risk_rules/:id': route('risk_rules.manage'),
  'DELETE /v1/risk_rules/:id': route('risk_rules.manage'),
  'POST /v1/risk_rules/order': route('risk_rules.manage'),
  'POST /v1/risk_rules/backtest': route('risk_rules.manage'),
  'POST /v1/risk_rules/:id/backtest': route('risk_rules.manage'),
  'GET /v1/reviews': route('risk.read', 'analytics.read'),
  'POST /v1/reviews/:id/approve': route('fraud.manage'),
  'POST /v1/reviews/:id/reject': route('fraud.manage'),
  'GET /v1/blocklists': route('risk.read'),
  'POST /v1/blocklists': route('fraud.manage'),
  'DELETE /v1/blocklists/:id': route('fraud.manage'),
  'GET /v1/payments/:id/risk': route('payments.read'),
  'POST /v1/payments/:id/fraud': route('fraud.manage'),
  'GET /v1/analytics/risk': route('analytics.read', 'risk.read'),

  'GET /v1/connector_accounts': route('connector_accounts.read'),
  'POST /v1/connector_accounts': route('connector_accounts.manage'),
  'POST /v1/connector_accounts/:id': route('connector_accounts.manage'),
};

export function sessionRouteOf(method: string, url: string): SessionRoute | null {
  return sessionRoutes[`${method} ${url}`] ?? null;
}

/** The header that picks live or test data for a session's /v1 request (an API key carries its own mode). */
export const sessionModeHeader = 'paypilot-mode';

/**
 * The scope under which a session's /v1 Idempotency-Keys are kept: the
 * member and the mode, never the session, so a retry after signing in again
 * still finds its first answer, and two members never share keys.
 */
export function sessionIdempotencyScope(memberId: string, mode: 'live' | 'test'): string {
  return `session:${memberId}:${mode}`;
}
