/**
 * Receiving and applying provider notifications. Receiving verifies the
 * signature on the raw bytes, stores the notification once and answers the
 * provider in its own format; applying (in the worker) checks the order, the
 * merchant identity and the amount against our records before anything
 * changes. A notification that fails verification changes nothing: it only
 * makes the worker ask the provider about the order.
 */
import type { NotificationVerdict, OrderState, ProviderAnswer } from '../connectors/connector.ts';
import { isChannel } from '../connectors/registry.ts';
import { findConnectorAccountById, openConnectorAccount } from '../store/connector-accounts.ts';
import { findUnappliedNotification, markNotificationApplied, requestStatusQuery, storeNotification } from '../store/notifications.ts';
import { applyOrderState, attemptIdOf, findChannelAttempt } from './channel-payments.ts';
import { now, type FlowContext } from './context.ts';

const notFound: ProviderAnswer = { status: 404, contentType: 'text/plain; charset=utf-8', body: 'unknown notify_url' };

export async function receiveNotification(
  context: FlowContext,
  accountId: string,
  request: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer },
): Promise<ProviderAnswer> {
  const row = await findConnectorAccountById(context.db, accountId);
  if (!row || !isChannel(row.connector)) return notFound;
  const account = openConnectorAccount(row, context.keys.credentials);
  const verdict = context.connectors.channels[row.connector].verifyNotification(account, { ...request, nowMs: context.clock.nowMs() });
  if (verdict.kind === 'rejected') {
    const attemptId = verdict.orderNumber ? attemptIdOf(verdict.orderNumber) : null;
    if (attemptId) await requestStatusQuery(context.db, attemptId, now(context));
    return verdict.ack;
  }
  await storeNotification(context.db, {
    id: context.ids.newId('pnt'),
    connectorAccountId: row.id,
    providerNotificationId: verdict.notificationId,
    orderNumber: verdict.orderNumber,
    verdict: storedVerdict(verdict),
    receivedAt: now(context),
  });
  return verdict.ack;
}

/** Answers what became of the notification: `applied`, `waiting`, or why it was not applied. */
export async function applyNotification(context: FlowContext, notificationId: string): Promise<string> {
  const notification = await findUnappliedNotification(context.db, notificationId);
  if (!notification) return 'already_applied';
  const outcome = await decide(context, notification);
  await markNotificationApplied(context.db, notification.id, outcome, now(context));
  return outcome;
}

async function decide(context: FlowContext, notification: NonNullable<Awaited<ReturnType<typeof findUnappliedNotification>>>): Promise<string> {
  const attempt = await findChannelAttempt(context, notification.order_number);
  if (!attempt || attempt.connector_account_id !== notification.connector_account_id) return 'unknown_order';
  const verdict = notification.verdict as StoredVerdict;
  if (verdict.refund_number !== null) return 'refund_not_applied';
  const row = await findConnectorAccountById(context.db, notification.connector_account_id);
  if (!row) return 'unknown_order';
  const credentials = openConnectorAccount(row, context.keys.credentials).credentials;
  for (const [field, value] of Object.entries(verdict.merchant_identity)) {
    const expected = credentials[identityCredential[field] ?? field];
    if (expected !== undefined && expected !== value) return 'identity_mismatch';
  }
  if (verdict.amount !== null && BigInt(verdict.amount) !== attempt.amount) return 'amount_mismatch';
  return applyOrderState(context, attempt, restoreState(verdict.state), { actor: 'provider', reason: 'notification' });
}

/** How a provider names the merchant, against the credential that holds it. */
const identityCredential: Record<string, string> = { app_id: 'app_id', seller_id: 'seller_id', mchid: 'mchid', appid: 'appid', merId: 'mer_id' };

interface StoredVerdict {
  refund_number: string | null;
  amount: string | null;
  merchant_identity: Record<string, string>;
  state: { kind: string; reference?: string; amount_paid?: string; paid_at?: string | null; detail?: string };
}

function storedVerdict(verdict: Extract<NotificationVerdict, { kind: 'verified' }>): StoredVerdict {
  const state = verdict.state;
  return {
    refund_number: verdict.refundNumber,
    amount: verdict.amount === null ? null : verdict.amount.toString(),
    merchant_identity: verdict.merchantIdentity,
    state:
      state.kind === 'paid'
        ? { kind: 'paid', reference: state.reference, amount_paid: state.amountPaid.toString(), paid_at: state.paidAt?.toISOString() ?? null }
        : { kind: state.kind, detail: 'detail' in state ? state.detail : undefined },
  };
}

function restoreState(state: StoredVerdict['state']): OrderState {
  switch (state.kind) {
    case 'paid':
      return { kind: 'paid', reference: state.reference ?? '', amountPaid: BigInt(state.amount_paid ?? '0'), paidAt: state.paid_at ? new Date(state.paid_at) : null };
    case 'pending':
    case 'closed':
    case 'not_found':
      return { kind: state.kind };
    case 'failed':
      return { kind: 'failed', detail: state.detail ?? 'failed at the provider' };
    default:
      return { kind: 'unknown', detail: `notification state ${state.kind}` };
  }
}
