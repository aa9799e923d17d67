/**
 * The audit trail of /v1 writes (domain/console/audited-writes.ts), whoever
 * sent them: an API key or a member through a console session.
 *
 * The /v1 flows commit their change themselves (several call a provider
 * between their transactions), so the row is appended just after the answer
 * is known, not in the change's transaction: a process that dies between
 * the change's commit and this append loses the row (the change stands).
 * The object is read before the change to show what it was.
 */
import type { AuditedObjectKind, AuditedWrite } from '../../domain/console/audited-writes.ts';
import { pickFields } from '../../domain/console/audited-writes.ts';
import type { AuditValues } from '../../domain/console/audit-chain.ts';
import { findAbuseSettings } from '../../store/cancellation-abuse.ts';
import { findConnectorAccountById } from '../../store/connector-accounts.ts';
import { findAfterSalesRequest } from '../../store/orders.ts';
import type { Scope } from '../../store/payments.ts';
import { retrieveAlert, retrieveAlertRule, alertSettings } from '../insight/alert-rules.ts';
import { getApiKey } from '../api-keys/list-api-keys.ts';
import type { FlowContext } from '../context.ts';
import { getPayment } from '../payments/create-payment.ts';
import { presentAfterSalesRequest } from '../checkout/orders.ts';
import { getEndpoint, presentEndpoint } from '../notifications/webhook-endpoints.ts';
import { audit, type RequestOrigin } from './audit.ts';

export type ApiWriteActor = { type: 'api_key'; keyId: string } | { type: 'member'; memberId: string; email: string };

/** The object as it stands before a write, in the field names of the API's answers; null when there is none to read. */
export async function objectBeforeWrite(context: FlowContext, scope: Scope, kind: AuditedObjectKind, id: string | null): Promise<AuditValues | null> {
  const read = async (): Promise<AuditValues | null> => {
    switch (kind) {
      case 'payment':
        return id ? { ...(await getPayment(context, scope, id)) } : null;
      case 'api_key':
        return id ? { ...(await getApiKey(context, scope, id)) } : null;
      case 'connector_account': {
        const account = id ? await findConnectorAccountById(context.db, scope.merchantId, id) : undefined;
        if (!account || account.merchant_id !== scope.merchantId || account.mode !== scope.mode) return null;
        return { connector: account.connector, enabled: account.enabled, priority: account.priority, base_url: account.base_url };
      }
      case 'webhook_endpoint':
        return id ? { ...presentEndpoint(await getEndpoint(context, scope, id)) } : null;
      case 'alert_rule':
        return id ? { ...(await retrieveAlertRule(context, scope, id)) } : null;
      case 'alert':
        return id ? { ...(await retrieveAlert(context, scope, id)) } : null;
      case 'alert_settings':
        return { ...(await alertSettings(context, scope)) };
      case 'cancellation_abuse_settings': {
        const settings = await findAbuseSettings(context.db, scope);
        return { max_cancellations_per_hour: settings.maxCancellationsPerHour, action: settings.action, flag_duration_hours: settings.flagDurationHours };
      }
      case 'after_sales_request': {
        const found = id ? await findAfterSalesRequest(context.db, scope, id) : undefined;
        return found ? { ...presentAfterSalesRequest(found) } : null;
      }
    }
  };
  // A missing object makes the write itself fail, and a failed write is not recorded.
  return read().catch(() => null);
}

export interface ApiWrite {
  write: AuditedWrite;
  scope: Scope;
  actor: ApiWriteActor;
  origin: RequestOrigin;
  objectId: string | null;
  before: AuditValues | null;
  /** The write's answer. */
  answer: AuditValues | null;
  /** The names (never the values) of the fields the request sent. */
  requestFields: readonly string[];
}

export async function recordApiWrite(context: FlowContext, entry: ApiWrite): Promise<void> {
  const after = pickFields(entry.answer, entry.write.afterFields);
  await audit(context, context.db, {
    merchantId: entry.scope.merchantId,
    actor: entry.actor.type === 'api_key' ? { type: 'api_key', id: entry.actor.keyId, label: null } : { type: 'member', id: entry.actor.memberId, label: entry.actor.email },
    origin: entry.origin,
    action: entry.write.action,
    object: entry.objectId ? { type: entry.write.objectType, id: entry.objectId } : null,
    before: pickFields(entry.before, entry.write.beforeFields),
    after: after === null ? { mode: entry.scope.mode, request_fields: entry.requestFields } : { ...after, mode: entry.scope.mode, request_fields: entry.requestFields },
  });
}
