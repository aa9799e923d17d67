/**
 * The /v1 writes that leave a row in the audit trail, whoever sends them (an
 * API key or a console session): the action's name, the object it changes
 * and where its id is found, and which object to read before the change so
 * the row holds the values before and after. Values pass through
 * `auditValues`, which drops every secret.
 *
 * A payer's own calls (a publishable key cancelling its checkout) are not
 * merchant actions and are not recorded here.
 */

/** What the audit reads before a change, to show what it was. */
export type AuditedObjectKind =
  | 'payment'
  | 'api_key'
  | 'connector_account'
  | 'webhook_endpoint'
  | 'alert_rule'
  | 'alert'
  | 'alert_settings'
  | 'cancellation_abuse_settings'
  | 'after_sales_request';

export interface AuditedWrite {
  action: string;
  objectType: string;
  /** The object's id: the path's `:id`, a field of the body, the answer's `id`, or the merchant itself (settings). */
  objectId: { from: 'param' } | { from: 'body'; field: string } | { from: 'answer' } | { from: 'merchant' };
  /** The object read before the change (none for a creation). */
  before?: AuditedObjectKind;
  /** Only these fields of the object before, and of the answer after (all of them when absent). */
  beforeFields?: readonly string[];
  afterFields?: readonly string[];
}

const abuseFields = ['max_cancellations_per_hour', 'action', 'flag_duration_hours'] as const;
const couponFields = ['code', 'discount_type', 'percent_off', 'amount_off', 'currency', 'max_redemptions', 'max_redemptions_per_customer', 'disabled_at'] as const;
const experimentFields = ['name', 'status', 'variants', 'control_variant', 'starts_at', 'ends_at', 'promoted_variant'] as const;
const riskRuleFields = ['name', 'expression', 'action', 'position', 'enabled'] as const;
const paymentFields = ['status', 'amount', 'currency', 'amount_capturable', 'amount_received', 'amount_refunded', 'cancellation_reason'] as const;

export const auditedWrites: Readonly<Record<string, AuditedWrite>> = {
  'POST /v1/refunds': { action: 'payment.refunded', objectType: 'payment', objectId: { from: 'body', field: 'payment' }, before: 'payment', beforeFields: paymentFields },
  'POST /v1/payments/:id/capture': { action: 'payment.captured', objectType: 'payment', objectId: { from: 'param' }, before: 'payment', beforeFields: paymentFields, afterFields: paymentFields },
  'POST /v1/payments/:id/cancel': { action: 'payment.canceled', objectType: 'payment', objectId: { from: 'param' }, before: 'payment', beforeFields: paymentFields, afterFields: paymentFields },

  'POST /v1/api_keys': { action: 'api_key.created', objectType: 'api_key', objectId: { from: 'answer' } },
  'POST /v1/api_keys/:id/roll': { action: 'api_key.rolled', objectType: 'api_key', objectId: { from: 'param' }, before: 'api_key' },
  'POST /v1/api_keys/:id/revoke': { action: 'api_key.revoked', objectType: 'api_key', objectId: { from: 'param' }, before: 'api_key' },

  'POST /v1/connector_accounts': { action: 'connector_account.created', objectType: 'connector_account', objectId: { from: 'answer' } },
  'POST /v1/connector_accounts/:id': { action: 'connector_account.updated', objectType: 'connector_account', objectId: { from: 'param' }, before: 'connector_account' },

  'POST /v1/webhook_endpoints': { action: 'webhook_endpoint.created', objectType: 'webhook_endpoint', objectId: { from: 'answer' } },
  'POST /v1/webhook_endpoints/:id': { action: 'webhook_endpoint.updated', objectType: 'webhook_endpoint', objectId: { from: 'param' }, before: 'webhook_endpoint' },
  'DELETE /v1/webhook_endpoints/:id': { action: 'webhook_endpoint.deleted', objectType: 'webhook_endpoint', objectId: { from: 'param' }, before: 'webhook_endpoint' },
  'POST /v1/events/:id/redeliver': { action: 'event.redelivered', objectType: 'event', objectId: { from: 'param' } },

  'POST /v1/alert_rules': { action: 'alert_rule.created', objectType: 'alert_rule', objectId: { from: 'answer' } },
  'POST /v1/alert_rules/:id': { action: 'alert_rule.updated', objectType: 'alert_rule', objectId: { from: 'param' }, before: 'alert_rule' },
  'DELETE /v1/alert_rules/:id': { action: 'alert_rule.deleted', objectType: 'alert_rule', objectId: { from: 'param' }, before: 'alert_rule' },
  'POST /v1/alerts/:id/acknowledge': { action: 'alert.acknowledged', objectType: 'alert', objectId: { from: 'param' }, before: 'alert' },
  'POST /v1/alert_settings': { action: 'settings.alerts_changed', objectType: 'merchant', objectId: { from: 'merchant' }, before: 'alert_settings' },
  'POST /v1/cancellation_abuse_settings': {
    action: 'settings.cancellation_abuse_changed',
    objectType: 'merchant',
    objectId: { from: 'merchant' },
    before: 'cancellation_abuse_settings',
    beforeFields: abuseFields,
    afterFields: abuseFields,
  },

  // The loyalty programme: its terms after the change (the answer); its version tells how many changes came before.
  'PUT /v1/loyalty/programme': { action: 'settings.loyalty_programme_changed', objectType: 'merchant', objectId: { from: 'merchant' } },

  'POST /v1/after_sales_requests/:id/approve': { action: 'after_sales.approved', objectType: 'after_sales_request', objectId: { from: 'param' }, before: 'after_sales_request' },
  'POST /v1/after_sales_requests/:id/reject': { action: 'after_sales.rejected', objectType: 'after_sales_request', objectId: { from: 'param' }, before: 'after_sales_request' },

  // A reply's text and the payer's contact stay out of the trail: the request's status is what changed.
  'POST /v1/support_requests/:id/replies': { action: 'support_request.replied', objectType: 'support_request', objectId: { from: 'param' }, afterFields: ['status', 'reopen_count'] },
  'POST /v1/support_requests/:id/resolve': { action: 'support_request.resolved', objectType: 'support_request', objectId: { from: 'param' }, afterFields: ['status', 'reopen_count'] },
  'POST /v1/support_requests/:id/reopen': { action: 'support_request.reopened', objectType: 'support_request', objectId: { from: 'param' }, afterFields: ['status', 'reopen_count'] },

  'POST /v1/coupons': { action: 'coupon.created', objectType: 'coupon', objectId: { from: 'answer' }, afterFields: couponFields },
  'POST /v1/coupons/:id/disable': { action: 'coupon.disabled', objectType: 'coupon', objectId: { from: 'param' }, afterFields: couponFields },

  // A stop that promotes a variant changes the merchant's checkout setting: `promoted_variant` after it says to what.
  'POST /v1/experiments': { action: 'experiment.created', objectType: 'experiment', objectId: { from: 'answer' }, afterFields: experimentFields },
  'POST /v1/experiments/:id/start': { action: 'experiment.started', objectType: 'experiment', objectId: { from: 'param' }, afterFields: experimentFields },
  'POST /v1/experiments/:id/stop': { action: 'experiment.stopped', objectType: 'experiment', objectId: { from: 'param' }, afterFields: experimentFields },
  // Fraud and risk (issue 18): rules, their order, reviews, the blocklist and fraud marks.
  'POST /v1/risk_rules': { action: 'risk_rule.created', objectType: 'risk_rule', objectId: { from: 'answer' }, afterFields: riskRuleFields },
  'POST /v1/risk_rules/:id': { action: 'risk_rule.updated', objectType: 'risk_rule', objectId: { from: 'param' }, afterFields: riskRuleFields },
  'DELETE /v1/risk_rules/:id': { action: 'risk_rule.deleted', objectType: 'risk_rule', objectId: { from: 'param' } },
  'POST /v1/risk_rules/order': { action: 'settings.risk_rules_ordered', objectType: 'merchant', objectId: { from: 'merchant' } },
  'POST /v1/reviews/:id/approve': { action: 'review.approved', objectType: 'payment', objectId: { from: 'param' }, before: 'payment', beforeFields: paymentFields, afterFields: ['status', 'decided_at'] },
  'POST /v1/reviews/:id/reject': { action: 'review.rejected', objectType: 'payment', objectId: { from: 'param' }, before: 'payment', beforeFields: paymentFields, afterFields: ['status', 'decided_at'] },
  'POST /v1/blocklists': { action: 'blocklist_entry.added', objectType: 'blocklist_entry', objectId: { from: 'answer' } },
  'DELETE /v1/blocklists/:id': { action: 'blocklist_entry.removed', objectType: 'blocklist_entry', objectId: { from: 'param' } },
  'POST /v1/payments/:id/fraud': { action: 'payment.marked_fraudulent', objectType: 'payment', objectId: { from: 'param' }, afterFields: ['source', 'note', 'blocklisted'] },
  'POST /v1/risk_settings': { action: 'settings.risk_changed', objectType: 'merchant', objectId: { from: 'merchant' }, afterFields: ['provider_mark_blocks'] },
};

export function auditedWriteOf(method: string, url: string): AuditedWrite | null {
  return auditedWrites[`${method} ${url}`] ?? null;
}

/** The fields kept of a value (all of its own when `fields` is absent); a missing field is left out. */
export function pickFields(value: Record<string, unknown> | null, fields: readonly string[] | undefined): Record<string, unknown> | null {
  if (value === null || fields === undefined) return value;
  const out: Record<string, unknown> = {};
  for (const field of fields) if (field in value) out[field] = value[field];
  return out;
}
