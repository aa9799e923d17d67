/**
 * Receiving and applying provider notifications. Receiving verifies the
 * signature on the raw bytes, stores the notification once and answers the
 * provider in its own format; applying (in the worker) checks the order, the
 * merchant identity and the amount against our records before anything
 * changes. A notification that fails verification changes nothing: it only
 * makes the worker ask the provider about the order.
 *
 * A refund notification (any channel) settles a pending refund through the
 * same code as the refund's own answer and its status queries
 * (refund-payment.ts `settle`), whose update only ever moves a pending
 * refund: applied twice, or after a status query, it changes nothing. It never
 * contradicts a refund already settled: that is answered
 * `refund_status_conflict` and kept on the notification's row for a person.
 */
import type { NotificationVerdict, OrderState, ProviderAnswer, RefundOutcome } from '../../connectors/connector.ts';
import { isChannel } from '../../connectors/registry.ts';
import type { AttemptRow } from '../../store/schema.ts';
import { findConnectorAccountById, findConnectorAccountOfAnyMerchant, openConnectorAccount } from '../../store/connector-accounts.ts';
import {
  findUnappliedNotification,
  markNotificationApplied,
  merchantOfNotification,
  requestStatusQuery,
  storeNotification,
  type NotificationRef,
} from '../../store/notifications.ts';
import { applyOrderState, attemptIdOf, findChannelAttempt } from './channel-payments.ts';
import { now, type FlowContext } from '../context.ts';
import { refundIdOf, settleWithResult } from '../payments/refund-payment.ts';
import { applyCardRiskNotification, cardRiskNotificationOf, receiveCardRiskNotification } from '../risk/provider-marks.ts';

const notFound: ProviderAnswer = { status: 404, contentType: 'text/plain; charset=utf-8', body: 'unknown notify_url' };

export async function receiveNotification(
  context: FlowContext,
  accountId: string,
  request: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer },
): Promise<ProviderAnswer> {
  const row = await findConnectorAccountOfAnyMerchant(context.db, accountId);
  // The card acquirer sends only its risk notifications (early fraud warnings, chargebacks).
  if (row?.connector === 'card') return receiveCardRiskNotification(context, row, request);
  if (!row || !isChannel(row.connector)) return notFound;
  const account = openConnectorAccount(row, context.keys.credentials);
  const verdict = context.connectors.channels[row.connector].verifyNotification(account, { ...request, nowMs: context.clock.nowMs() });
  if (verdict.kind === 'rejected') {
    const attemptId = verdict.orderNumber ? attemptIdOf(verdict.orderNumber) : null;
    if (attemptId) await requestStatusQuery(context.db, row.merchant_id, attemptId, now(context));
    return verdict.ack;
  }
  await storeNotification(context.db, {
    id: context.ids.newId('pnt'),
    connectorAccountId: row.id,
    merchantId: row.merchant_id,
    providerNotificationId: verdict.notificationId,
    orderNumber: verdict.orderNumber,
    verdict: storedVerdict(verdict),
    receivedAt: now(context),
  });
  return verdict.ack;
}

/** Answers what became of the notification: `applied`, `waiting`, or why it was not applied. */
export async function applyNotification(context: FlowContext, ref: NotificationRef): Promise<string> {
  const notification = await findUnappliedNotification(context.db, ref);
  if (!notification) return 'already_applied';
  const outcome = await decide(context, ref.merchantId, notification);
  await markNotificationApplied(context.db, ref, outcome, now(context));
  return outcome;
}

/**
 * The worker's `apply_notification` job. Every job queued since this release names the notification and its
 * merchant; one queued by the previous version (during a rolling deploy) or before names the notification alone,
 * and its merchant is read from its row. That read can go in the release after, once those jobs have run.
 */
export async function applyQueuedNotification(context: FlowContext, job: { id: string; merchantId: string | null }): Promise<string> {
  const merchantId = job.merchantId ?? (await merchantOfNotification(context.db, job.id));
  if (!merchantId) return 'already_applied';
  return applyNotification(context, { id: job.id, merchantId });
}

async function decide(context: FlowContext, merchantId: string, notification: NonNullable<Awaited<ReturnType<typeof findUnappliedNotification>>>): Promise<string> {
  const cardRisk = cardRiskNotificationOf(notification.verdict);
  if (cardRisk) return applyCardRiskNotification(context, notification.connector_account_id, cardRisk);
  const attempt = await findChannelAttempt(context, merchantId, notification.order_number);
  if (!attempt || attempt.connector_account_id !== notification.connector_account_id) return 'unknown_order';
  const verdict = notification.verdict as StoredVerdict;
  const row = await findConnectorAccountById(context.db, attempt.merchant_id, notification.connector_account_id);
  if (!row) return 'unknown_order';
  const credentials = openConnectorAccount(row, context.keys.credentials).credentials;
  for (const [field, value] of Object.entries(verdict.merchant_identity)) {
    const expected = credentials[identityCredential[field] ?? field];
    if (expected !== undefined && expected !== value) return 'identity_mismatch';
  }
  if (verdict.refund_number !== null) return applyRefundNotification(context, attempt, verdict, verdict.refund_number);
  if (verdict.amount !== null && BigInt(verdict.amount) !== attempt.amount) return 'amount_mismatch';
  return applyOrderState(context, attempt, restoreState(verdict.state), { actor: 'provider', reason: 'notification' });
}

/**
 * What a verified refund notification does to the refund it names, on the
 * payment the order belongs to: `applied` when it settled a pending refund,
 * `waiting` when it says the refund is still under way, `already_final` when
 * the refund was already settled the same way; otherwise why nothing changed.
 */
async function applyRefundNotification(context: FlowContext, attempt: AttemptRow, verdict: StoredVerdict, refundNumber: string): Promise<string> {
  const refundId = refundIdOf(refundNumber);
  const refund =
    refundId === null
      ? undefined
      : await context.db.selectFrom('refunds').selectAll().where('merchant_id', '=', attempt.merchant_id).where('id', '=', refundId).where('payment_id', '=', attempt.payment_id).executeTakeFirst();
  if (!refund) return 'unknown_refund';
  const { order_amount: orderAmount, refunded_total: refundedTotalText } = verdict;
  if (orderAmount !== undefined && orderAmount !== null && BigInt(orderAmount) !== attempt.amount) return 'amount_mismatch';
  if (verdict.amount !== null && BigInt(verdict.amount) !== refund.amount) return 'amount_mismatch';
  // A total refunded so far (Alipay's refund_fee) holds this refund, and never more than the order.
  if (refundedTotalText !== undefined && refundedTotalText !== null) {
    const refundedTotal = BigInt(refundedTotalText);
    if (refundedTotal < refund.amount || refundedTotal > attempt.amount) return 'amount_mismatch';
  }
  const outcome = restoreRefundOutcome(verdict.state, refundNumber);
  const said = outcome.kind === 'succeeded' ? 'succeeded' : outcome.kind === 'failed' ? 'failed' : null;
  if (said === null) return 'waiting';
  if (refund.status !== 'pending') return refund.status === said ? 'already_final' : 'refund_status_conflict';
  // Another notification or a status query may settle it first: only the call that moved it applied it.
  const settled = await settleWithResult(context, refund, outcome);
  if (settled.moved) return 'applied';
  return settled.refund.status === said ? 'already_final' : 'refund_status_conflict';
}

/** How a provider names the merchant, against the credential that holds it. */
const identityCredential: Record<string, string> = { app_id: 'app_id', seller_id: 'seller_id', mchid: 'mchid', appid: 'appid', merId: 'mer_id' };

/** A verified verdict as kept on the notification's row (amounts as decimal text); rows stored before refunds were applied lack the optional members. */
interface StoredVerdict {
  refund_number: string | null;
  amount: string | null;
  order_amount?: string | null;
  refunded_total?: string | null;
  merchant_identity: Record<string, string>;
  state: { kind: string; reference?: string; amount_paid?: string; paid_at?: string | null; detail?: string; reason?: string };
}

function storedVerdict(verdict: Extract<NotificationVerdict, { kind: 'verified' }>): StoredVerdict {
  const state = verdict.state;
  const text = (amount: bigint | null | undefined): string | null => (amount === null || amount === undefined ? null : amount.toString());
  return {
    refund_number: verdict.refundNumber,
    amount: text(verdict.amount),
    order_amount: text(verdict.orderAmount),
    refunded_total: text(verdict.refundedTotal),
    merchant_identity: verdict.merchantIdentity,
    state:
      state.kind === 'paid'
        ? { kind: 'paid', reference: state.reference, amount_paid: state.amountPaid.toString(), paid_at: state.paidAt?.toISOString() ?? null }
        : {
            kind: state.kind,
            reference: 'reference' in state && state.reference !== null ? state.reference : undefined,
            detail: 'detail' in state ? state.detail : undefined,
            reason: 'reason' in state ? state.reason : undefined,
          },
  };
}

/** A refund notification's state. Only `succeeded` and `failed` settle a refund; anything else leaves it to its status queries. */
function restoreRefundOutcome(state: StoredVerdict['state'], refundNumber: string): RefundOutcome {
  // Rows stored before references were kept name none: the refund number is Alipay's reference, and a fair one for others.
  const reference = state.reference ?? refundNumber;
  switch (state.kind) {
    case 'succeeded':
      return { kind: 'succeeded', reference };
    case 'failed':
      return { kind: 'failed', reason: state.reason ?? 'failed at the provider' };
    case 'pending':
      return { kind: 'pending', reference };
    default:
      return { kind: 'unknown', detail: `refund notification state ${state.kind}` };
  }
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
