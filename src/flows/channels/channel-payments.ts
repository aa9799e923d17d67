/**
 * Paying through a channel where the payer pays at the provider (Alipay,
 * WeChat Pay, UnionPay): confirm creates the order there and answers a QR
 * code or a redirect; the outcome arrives by a signed notification or by a
 * status query, and both go through `applyOrderState`, so the same answer
 * always leads to the same state.
 */
import type { AlipayClient, ChannelName, OrderState, PayerDevice } from '../../connectors/connector.ts';
import type { Actor } from '../../domain/payments/payment-state.ts';
import type { Currency } from '../../domain/money.ts';
import { findPaymentById, latestAttempt, type PaymentRecord } from '../../store/payments.ts';
import { isChannel } from '../../connectors/registry.ts';
import { isLatePayment, refundLatePayment } from './late-payments.ts';
import type { AttemptRow } from '../../store/schema.ts';
import { applyAuthorizationDecision, decideAuthorization, failed, type AuthorizationDecision } from '../payments/authorization-outcome.ts';
import { cancellation } from '../payments/cancel-payment.ts';
import type { StoredError } from '../payments/present.ts';
import { assert } from '../../domain/assert.ts';
import { limits } from '../../domain/limits.ts';
import { callProvider } from './connector-calls.ts';
import { loadAccount, rankAccounts } from './connector-accounts.ts';
import { settleAuthorization } from '../payments/settle-authorization.ts';
import { now, type FlowContext } from '../context.ts';
import { transitionPayment } from '../payments/payment-transitions.ts';
import { updateAttempt } from '../../store/payments.ts';
import { requestStatusQuery } from '../../store/notifications.ts';
import { PaymentError } from '../../domain/errors.ts';

/** How often a payment waiting for the payer at the provider is asked about. */
export const channelPollIntervalMs = 30_000;

/** Our order number at a provider: the attempt id without its underscore (letters and digits only). */
export function orderNumberOf(attemptId: string): string {
  return attemptId.replace('_', '');
}

export function attemptIdOf(orderNumber: string): string | null {
  return /^att[0-9a-z]{26}$/.test(orderNumber) ? `att_${orderNumber.slice(3)}` : null;
}

export async function confirmWithChannel(
  context: FlowContext,
  actor: Actor,
  payment: PaymentRecord,
  channel: ChannelName,
  options: { returnUrl: string | null; device: PayerDevice; ip: string | null; payerOpenid?: string | null; alipayClient?: AlipayClient | null },
): Promise<PaymentRecord> {
  const connector = context.connectors.channels[channel];
  const accounts = await rankAccounts(context, payment, channel);
  let current = payment;
  for (const [index, account] of accounts.entries()) {
    const attemptId = context.ids.newId('att');
    const orderNumber = orderNumberOf(attemptId);
    // One instant for the attempt's start and the order's creation time at the provider, which later calls name again.
    const createdAt = now(context);
    const processing = await transitionPayment(context, current, {
      at: createdAt,
      to: 'processing',
      actor,
      reason: index === 0 ? null : 'failover',
      patch: index === 0 ? { payment_method: { type: channel }, last_error: null, next_action: null, ...(options.returnUrl ? { return_url: options.returnUrl } : {}) } : {},
      newAttempt: {
        id: attemptId,
        operation: 'authorize',
        connector: channel,
        connector_account_id: account.id,
        payment_method_type: channel,
        amount: payment.amount,
        provider_idempotency_key: orderNumber,
      },
    });
    if (!processing) throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: 'changing', action: 'confirmed' } });
    // The order number makes creating the order idempotent at the provider: every retry reuses it.
    const call = await callProvider(context, orderNumber, () =>
      connector.createOrder(account, {
        orderNumber,
        amount: payment.amount,
        currency: payment.currency as Currency,
        subject: payment.description ?? (payment.order_details as { reference?: string } | null)?.reference ?? payment.id,
        device: options.device,
        returnUrl: options.returnUrl ?? payment.return_url,
        notifyUrl: `${context.publicBaseUrl}/v1/notify/${account.id}`,
        expiresAt: payment.expires_at,
        payerIp: options.ip,
        createdAt,
        payerOpenid: options.payerOpenid ?? null,
        alipayClient: options.alipayClient ?? null,
      }),
      { connector: connector.name, operation: 'create_order' },
    );
    await context.accountHealth.record(payment.merchant_id, account.id, call.outcome.kind !== 'unknown' && call.outcome.kind !== 'retriable', context.clock.nowMs());
    if (call.outcome.kind === 'retriable' && index < accounts.length - 1) {
      await updateAttempt(
        context.db,
        payment.merchant_id,
        { id: attemptId, status: 'failed', provider_reference: null, error_code: call.outcome.code, decline_code: null, tries: call.tries, latency_ms: call.latencyMs, completed: true, next_query_at: null },
        now(context),
      );
      current = processing;
      continue;
    }
    const outcome = call.outcome.kind === 'requires_action' ? { ...call.outcome, reference: call.outcome.reference ?? orderNumber } : call.outcome;
    return settleAuthorization(context, processing, attemptId, { ...call, outcome }, channelPollIntervalMs);
  }
  throw new PaymentError('connector_unavailable', { paymentId: payment.id });
}

export type OrderStateResult = 'applied' | 'waiting' | 'already_final' | 'amount_mismatch' | 'lost_race' | 'late_payment_refunded';

/**
 * Applies what a provider says of an order (from a verified notification or
 * a status query) to its payment. An amount that differs from what we asked
 * is never taken as paid.
 */
export async function applyOrderState(
  context: FlowContext,
  attempt: AttemptRow,
  state: OrderState,
  how: { actor: Actor; reason: string },
): Promise<OrderStateResult> {
  const payment = await findPaymentById(context.db, attempt.merchant_id, attempt.payment_id);
  // Paid at the provider after we gave the order up: refunded there, never accepted. The attempt the caller
  // read may be older than the payment just read: a notification or query at the same time may have made the
  // payment succeed through this very attempt since. Its row read again now is at least as new as the payment's
  // (they change in one transaction), so the payment's own charge is never taken for a late one.
  if (payment && state.kind === 'paid' && isLatePayment(payment, attempt, state)) {
    const current = await findChannelAttempt(context, attempt.merchant_id, orderNumberOf(attempt.id));
    if (current && isLatePayment(payment, current, state)) {
      await refundLatePayment(context, payment, current, state);
      return 'late_payment_refunded';
    }
  }
  if (!payment || (payment.status !== 'requires_action' && payment.status !== 'processing')) return 'already_final';
  if (state.kind === 'paid' && state.amountPaid !== attempt.amount) return 'amount_mismatch';
  const decision = decideOrderState(payment, attempt, state);
  if (decision.kind === 'unresolved') {
    await requestStatusQuery(context.db, attempt.merchant_id, attempt.id, new Date(context.clock.nowMs() + channelPollIntervalMs));
    return 'waiting';
  }
  const applied = await applyAuthorizationDecision(context, payment, attempt.id, decision, {
    actor: how.actor,
    reason: how.reason,
    tries: attempt.tries,
    latencyMs: attempt.latency_ms,
    nextQueryAt: decision.attemptStatus === 'requires_action' ? new Date(context.clock.nowMs() + channelPollIntervalMs) : null,
  });
  return applied ? 'applied' : 'lost_race';
}

function decideOrderState(payment: PaymentRecord, attempt: AttemptRow, state: OrderState): AuthorizationDecision {
  switch (state.kind) {
    case 'paid':
      return decideAuthorization(payment, attempt.id, { kind: 'authorized', reference: state.reference, captured: true, amountCaptured: state.amountPaid });
    case 'closed':
      return failedOrder(payment, attempt, 'payment_not_completed');
    case 'failed':
      return failedOrder(payment, attempt, 'payment_failed_at_provider');
    default:
      // Not paid yet, not found yet, or no clear answer: ask again later.
      return { kind: 'unresolved', detail: state.kind };
  }
}

function failedOrder(payment: PaymentRecord, attempt: AttemptRow, code: 'payment_not_completed' | 'payment_failed_at_provider'): AuthorizationDecision {
  const error = { code, decline_code: null, details: {}, attempt: attempt.id };
  return {
    kind: 'settled',
    to: 'requires_payment_method',
    patch: { last_error: error, next_action: null, amount_capturable: 0n },
    eventTypes: ['payment.payment_failed'],
    attemptStatus: 'failed',
    reference: attempt.provider_reference,
    error,
  };
}

/** The channel attempt an order number belongs to, if it is ours. */
export async function findChannelAttempt(context: FlowContext, merchantId: string, orderNumber: string): Promise<AttemptRow | undefined> {
  const attemptId = attemptIdOf(orderNumber);
  if (!attemptId) return undefined;
  return context.db.selectFrom('payment_attempts').selectAll().where('merchant_id', '=', merchantId).where('id', '=', attemptId).executeTakeFirst();
}

/**
 * Closes the order a payment is waiting on at a provider (QR code, redirect),
 * so the payer can no longer pay it there. True when nothing can be paid at
 * the provider any more; a payment found paid is settled instead (false).
 * Used at expiry and when the payer switches to another method.
 */
export async function closeWaitingOrder(context: FlowContext, payment: PaymentRecord): Promise<boolean> {
  if (payment.status !== 'requires_action') return true;
  const attempt = await latestAttempt(context.db, payment.merchant_id, payment.id, 'authorize');
  if (!attempt || !isChannel(attempt.connector) || attempt.status !== 'requires_action' || !attempt.connector_account_id) return true;
  const state = await closeOrderAtProvider(context, attempt);
  if (state.kind === 'closed' || state.kind === 'not_found') {
    await updateAttempt(
      context.db,
      attempt.merchant_id,
      { id: attempt.id, status: 'failed', provider_reference: attempt.provider_reference, error_code: 'payment_not_completed', decline_code: null, tries: attempt.tries, latency_ms: attempt.latency_ms, completed: true, next_query_at: null },
      now(context),
      'requires_action',
    );
    return true;
  }
  if (state.kind === 'paid') await applyOrderState(context, attempt, state, { actor: 'system', reason: 'status_query' });
  return false;
}

/**
 * Closes an attempt's order at its provider, so that nobody can pay it any
 * more, and answers its state afterwards: `closed`, `not_found` (never made,
 * or never opened by the payer), or what the provider says instead (paid,
 * still open, no clear answer).
 */
async function closeOrderAtProvider(context: FlowContext, attempt: AttemptRow): Promise<OrderState> {
  assert(isChannel(attempt.connector) && attempt.connector_account_id !== null, `attempt ${attempt.id} is not at a channel`);
  const connector = context.connectors.channels[attempt.connector];
  const account = await loadAccount(context, attempt.merchant_id, attempt.connector_account_id);
  const order = { orderNumber: attempt.provider_idempotency_key, orderCreatedAt: attempt.started_at };
  const closed = await connector.closeOrder(account, order);
  // Closing may not be possible (an order the payer never opened or that was never made, a channel that only lets orders lapse): the query decides.
  return closed.kind === 'closed' ? { kind: 'closed' } : connector.queryOrder(account, order);
}

/**
 * True when an order whose creation got no clear answer (a 500, a timeout, a
 * crash on either side of the call), and that the provider says it does not
 * have, cannot merely be not visible yet: `channelOrderMissingSettleAfterMs`
 * after the creation, or once the payment expired (the order's own expiry at
 * the provider), whichever comes first, and never while the confirm that
 * creates it may still run. An order the payer was shown (requires_action) is
 * not judged here: the payer may still open it, and expiry closes it.
 */
export function isOrderNeverMade(payment: PaymentRecord, attempt: AttemptRow, nowMs: number): boolean {
  if (payment.status !== 'processing' || (attempt.status !== 'unknown' && attempt.status !== 'pending')) return false;
  const createdAtMs = attempt.started_at.getTime();
  const judgedAtMs = Math.max(
    Math.min(createdAtMs + limits.channelOrderMissingSettleAfterMs, payment.expires_at.getTime()),
    createdAtMs + limits.httpRequestTimeoutMs,
  );
  return nowMs >= judgedAtMs;
}

/**
 * Settles the attempt of an order the provider never made (see
 * `isOrderNeverMade`): nothing was charged, so it failed, and the payment
 * goes back to waiting for a payment method (or, expired, is canceled as
 * abandoned). The order is closed at the provider first where the protocol
 * allows, so a creation that arrives late cannot be paid; if the provider
 * does know the order after all, that answer is applied instead. A payment
 * that still reaches a failed attempt's order is refunded (late-payments.ts).
 */
export async function settleNeverMadeOrder(context: FlowContext, payment: PaymentRecord, attempt: AttemptRow): Promise<OrderStateResult> {
  const state = await closeOrderAtProvider(context, attempt);
  if (state.kind !== 'closed' && state.kind !== 'not_found') return applyOrderState(context, attempt, state, { actor: 'system', reason: 'status_query' });
  const error: StoredError = { code: 'connector_unavailable', decline_code: null, details: {}, attempt: attempt.id };
  const at = now(context);
  if (at.getTime() < payment.expires_at.getTime()) {
    const applied = await applyAuthorizationDecision(context, payment, attempt.id, failed(error, attempt.provider_reference), {
      actor: 'system',
      reason: 'status_query',
      tries: attempt.tries,
      latencyMs: attempt.latency_ms,
    });
    return applied ? 'applied' : 'lost_race';
  }
  const abandoned = cancellation('system', 'abandoned', null, at);
  const canceled = await transitionPayment(context, payment, {
    ...abandoned,
    at,
    patch: { ...abandoned.patch, last_error: error },
    error,
    attemptResult: {
      id: attempt.id,
      status: 'failed',
      provider_reference: attempt.provider_reference,
      error_code: error.code,
      decline_code: null,
      tries: attempt.tries,
      latency_ms: attempt.latency_ms,
      completed: true,
      next_query_at: null,
    },
  });
  return canceled ? 'applied' : 'lost_race';
}
