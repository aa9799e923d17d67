/**
 * Asking providers what happened. An attempt whose outcome is unknown (a
 * timeout after sending, a crash between recording the intent and the
 * outcome) is queried with backoff until it is settled, so no payment is
 * left in `processing`. A refund left pending is queried the same way.
 */
import { limits } from '../../domain/limits.ts';
import { expediteOutcomeQueries, findPaymentById, findUnresolvedAttempts, latestAttempt, updateAttempt } from '../../store/payments.ts';
import { findUnresolvedRefunds } from '../../store/refunds.ts';
import { requestStatusQuery } from '../../store/notifications.ts';
import type { AttemptRow, RefundRow } from '../../store/schema.ts';
import type { PaymentOutcome } from '../../connectors/connector.ts';
import { applyAuthorizationDecision, decideAuthorization } from '../payments/authorization-outcome.ts';
import { allDerivedProviderKeys } from './connector-calls.ts';
import { loadAccount } from './connector-accounts.ts';
import { settleCapture } from '../payments/capture-payment.ts';
import { cancellation } from '../payments/cancel-payment.ts';
import { now, type FlowContext } from '../context.ts';
import { transitionPayment } from '../payments/payment-transitions.ts';
import { isChannel } from '../../connectors/registry.ts';
import { applyOrderState, isOrderNeverMade, settleNeverMadeOrder } from './channel-payments.ts';
import { refundAtProvider, settle as settleRefundOutcome, settleWalletRefund } from '../payments/refund-payment.ts';
import { resolveWalletAttempt } from '../wallet/wallet-payments.ts';
import { resolveLatePaymentRefunds } from './late-payments.ts';

/**
 * Queries back off: ask again after as long as the outcome has been unknown,
 * from 30 s up to `unknownOutcomeQueryDelayMaxMs` (4 min), so that with the
 * once-a-minute sweep an outcome is asked about within 5 minutes of its
 * provider answering again, however long the outage was.
 */
export function nextQueryDelayMs(unresolvedForMs: number): number {
  return Math.min(limits.unknownOutcomeQueryDelayMaxMs, Math.max(limits.unknownOutcomeQueryAfterMs, unresolvedForMs));
}

/** Sweeps again at once, at most this many times, for the outcomes waiting on accounts that just answered. */
const expeditedRoundsMax = 3;

export async function resolveUnknownOutcomes(context: FlowContext, batchSize: number = limits.sweepBatchSize): Promise<number> {
  const at = now(context);
  let settled = 0;
  for (let round = 0; round <= expeditedRoundsMax; round += 1) {
    /** Account id → its merchant. */
    const answered = new Map<string, string>();
    for (const attempt of await findUnresolvedAttempts(context.db, at, batchSize)) {
      // One attempt that cannot be resolved (an account since deleted, a provider answering nonsense) must not stop the others.
      const resolved = await resolveAttempt(context, attempt).catch(async () => {
        await postpone(context, attempt);
        return false;
      });
      if (!resolved) continue;
      settled += 1;
      if (attempt.connector_account_id) answered.set(attempt.connector_account_id, attempt.merchant_id);
    }
    // An account that answers again: every outcome still waiting on it is asked about now, not after its backoff.
    let expedited = 0;
    for (const [id, merchantId] of answered) expedited += await expediteOutcomeQueries(context.db, { id, merchantId }, at);
    if (expedited === 0) break;
  }
  settled += await resolveLatePaymentRefunds(context, batchSize);
  for (const refund of await findUnresolvedRefunds(context.db, at, batchSize)) {
    const result = await resolveRefund(context, refund).catch(async () => {
      await settleRefundOutcome(context, refund, { kind: 'unknown', detail: 'status query failed' });
      return 'pending';
    });
    if (result !== 'pending') settled += 1;
  }
  return settled;
}

/**
 * When to ask next about an order the payer was shown `waitingForMs` ago:
 * 5 s after it was shown, then 10, 20 and 30 s later, then every minute
 * (`limits.waitingOrderPollDelaysMs`). Answers the delay from now; a second of
 * slack keeps a poll that runs a little early from asking twice in a row.
 */
export function nextWaitingPollDelayMs(waitingForMs: number): number {
  const slackMs = 1_000;
  let offsetMs = 0;
  for (const delayMs of limits.waitingOrderPollDelaysMs) {
    offsetMs += delayMs;
    if (offsetMs > waitingForMs + slackMs) return offsetMs - waitingForMs;
  }
  const intervals = Math.floor((waitingForMs + slackMs - offsetMs) / limits.waitingOrderPollIntervalMs) + 1;
  return offsetMs + intervals * limits.waitingOrderPollIntervalMs - waitingForMs;
}

/**
 * The `poll_order` job: asks the provider about one attempt now (a payer
 * waiting at a QR code, or a notification that failed verification asked for
 * it). Answers the delay until the next poll while the payer still waits and
 * the payment has not expired, or null once the order is paid, closed, failed
 * or expired (expiry closes it; the sweep remains the safety net).
 */
export async function pollOrder(context: FlowContext, attemptId: string): Promise<number | null> {
  const attempt = await context.db.selectFrom('payment_attempts').selectAll().where('id', '=', attemptId).executeTakeFirst();
  if (!attempt || !isChannel(attempt.connector) || !(['pending', 'unknown', 'requires_action'] as string[]).includes(attempt.status)) return null;
  await resolveAttempt(context, attempt).catch(async () => postpone(context, attempt));
  const after = await context.db.selectFrom('payment_attempts').select(['status', 'started_at']).where('id', '=', attemptId).executeTakeFirst();
  const payment = await findPaymentById(context.db, attempt.merchant_id, attempt.payment_id);
  const nowMs = context.clock.nowMs();
  if (after?.status !== 'requires_action' || payment?.status !== 'requires_action' || nowMs >= payment.expires_at.getTime()) return null;
  const delayMs = nextWaitingPollDelayMs(nowMs - after.started_at.getTime());
  // While this chain of polls lives, the sweep need not ask as well: it is the safety net a minute after the next poll.
  await requestStatusQuery(context.db, attempt.merchant_id, attemptId, new Date(nowMs + delayMs + limits.waitingOrderPollIntervalMs));
  return delayMs;
}

async function resolveRefund(context: FlowContext, refund: RefundRow): Promise<string> {
  const authorization = await latestAttempt(context.db, refund.merchant_id, refund.payment_id, 'authorize');
  // A wallet refund left pending by a crash: its money never moved; move it now (its ledger key allows it once).
  if (authorization?.connector === 'wallet') return (await settleWalletRefund(context, refund)).status;
  if (!authorization?.connector_account_id) {
    // Nothing to ask: asked about again later, behind the refunds due before then, never first for ever.
    return (await settleRefundOutcome(context, refund, { kind: 'unknown', detail: 'no account to ask' })).status;
  }
  const outcome = await refundAtProvider(context, refund, authorization, 'query');
  const result = await settleRefundOutcome(context, refund, outcome.kind === 'not_found' ? { kind: 'failed', reason: 'provider_has_no_record' } : outcome);
  return result.status;
}

/** Answers true when the attempt was settled. */
export async function resolveAttempt(context: FlowContext, attempt: AttemptRow): Promise<boolean> {
  if (attempt.connector === 'wallet') return resolveWalletAttempt(context, attempt);
  const payment = await findPaymentById(context.db, attempt.merchant_id, attempt.payment_id);
  // Nothing to ask (a payment or account gone): asked about again after its backoff, behind the others, never first for ever.
  if (!payment || !attempt.connector_account_id) {
    await postpone(context, attempt);
    return false;
  }
  const account = await loadAccount(context, attempt.merchant_id, attempt.connector_account_id);
  if (isChannel(attempt.connector)) {
    const state = await context.connectors.channels[attempt.connector].queryOrder(account, { orderNumber: attempt.provider_idempotency_key, orderCreatedAt: attempt.started_at });
    // "No such order" settles nothing until it cannot mean "not visible yet"; then the order was never made.
    const result =
      state.kind === 'not_found' && isOrderNeverMade(payment, attempt, context.clock.nowMs())
        ? await settleNeverMadeOrder(context, payment, attempt)
        : await applyOrderState(context, attempt, state, { actor: 'system', reason: 'status_query' });
    if (result === 'already_final' || result === 'amount_mismatch' || result === 'late_payment_refunded') {
      await updateAttempt(context.db, attempt.merchant_id, { ...attemptBase(attempt), completed: true, next_query_at: null }, now(context), attempt.status);
    }
    return result === 'applied';
  }
  // Capture and void are judged by the authorization they act on.
  const authorization =
    attempt.operation === 'authorize'
      ? attempt
      : await context.db.selectFrom('payment_attempts').selectAll().where('merchant_id', '=', attempt.merchant_id).where('payment_id', '=', attempt.payment_id)
          .where('operation', '=', 'authorize').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!authorization) return false;
  const outcome = await queryAllKeys(context, account, authorization.provider_idempotency_key);
  if (payment.status !== 'processing') {
    // The payment moved on (a late answer was committed by the request itself); close the attempt's record.
    await updateAttempt(context.db, attempt.merchant_id, { ...attemptBase(attempt), status: attempt.status === 'unknown' ? 'failed' : attempt.status, completed: true, next_query_at: null }, now(context), attempt.status);
    return true;
  }
  if (attempt.operation === 'authorize') return settleAuthorizationFromQuery(context, payment, attempt, outcome);
  if (attempt.operation === 'capture') {
    if (outcome.kind === 'authorized' && outcome.captured) {
      await settleCapture(context, payment, attempt.id, { kind: 'captured', amountCaptured: outcome.amountCaptured }, attempt.tries, attempt.latency_ms, 'system');
      return true;
    }
    if (outcome.kind === 'authorized') {
      await settleCapture(context, payment, attempt.id, { kind: 'retriable', code: 'connector_unavailable', detail: 'not captured' }, attempt.tries, attempt.latency_ms, 'system').catch(() => undefined);
      return true;
    }
  }
  if (attempt.operation === 'void' && outcome.kind === 'voided') {
    await transitionPayment(context, payment, {
      ...cancellation('system', payment.cancellation_reason ?? 'other', payment.cancellation_comment, now(context)),
      attemptResult: { ...attemptBase(attempt), status: 'succeeded', completed: true, next_query_at: null },
    });
    return true;
  }
  if (attempt.operation === 'void' && outcome.kind === 'authorized' && !outcome.captured) {
    await transitionPayment(context, payment, {
      to: 'requires_capture',
      actor: 'system',
      attemptResult: { ...attemptBase(attempt), status: 'failed', completed: true, next_query_at: null },
    });
    return true;
  }
  await postpone(context, attempt);
  return false;
}

async function settleAuthorizationFromQuery(
  context: FlowContext,
  payment: Awaited<ReturnType<typeof findPaymentById>> & object,
  attempt: AttemptRow,
  outcome: PaymentOutcome,
): Promise<boolean> {
  // Every key said "no such payment": nothing was charged, so the attempt failed.
  const effective: PaymentOutcome = outcome.kind === 'not_found' ? { kind: 'retriable', code: 'connector_unavailable', detail: 'the provider has no record of this attempt' } : outcome;
  const decision = decideAuthorization(payment, attempt.id, effective);
  if (decision.kind === 'unresolved') {
    await postpone(context, attempt);
    return false;
  }
  await applyAuthorizationDecision(context, payment, attempt.id, decision, { actor: 'system', reason: 'status_query', tries: attempt.tries, latencyMs: attempt.latency_ms });
  return true;
}

/** The authorization may have gone out under any derived key; the first the provider knows is the one. */
async function queryAllKeys(context: FlowContext, account: Awaited<ReturnType<typeof loadAccount>>, attemptKey: string): Promise<PaymentOutcome> {
  let sawUnknown: PaymentOutcome | null = null;
  for (const key of allDerivedProviderKeys(attemptKey)) {
    const outcome = await context.connectors.card.queryPayment(account, { idempotencyKey: key });
    if (outcome.kind === 'not_found') continue;
    if (outcome.kind === 'unknown' || outcome.kind === 'retriable') {
      sawUnknown = { kind: 'unknown', detail: outcome.kind === 'unknown' ? outcome.detail : outcome.detail };
      continue;
    }
    return outcome;
  }
  return sawUnknown ?? { kind: 'not_found' };
}

function attemptBase(attempt: AttemptRow) {
  return {
    id: attempt.id,
    status: attempt.status,
    provider_reference: attempt.provider_reference,
    error_code: attempt.error_code,
    decline_code: attempt.decline_code,
    tries: attempt.tries,
    latency_ms: attempt.latency_ms,
    completed: false,
    next_query_at: attempt.next_query_at,
  };
}

/** Asks again after the backoff. An order the payer was shown stays `requires_action`: expiry must still close it. */
async function postpone(context: FlowContext, attempt: AttemptRow): Promise<void> {
  const unresolvedForMs = context.clock.nowMs() - attempt.started_at.getTime();
  await updateAttempt(
    context.db,
    attempt.merchant_id,
    { ...attemptBase(attempt), status: attempt.status === 'requires_action' ? 'requires_action' : 'unknown', next_query_at: new Date(context.clock.nowMs() + nextQueryDelayMs(unresolvedForMs)) },
    now(context),
    attempt.status,
  );
}
