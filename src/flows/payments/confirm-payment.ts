/**
 * Confirming a payment: the payer (or the merchant on the payer's behalf)
 * submits a payment method, or the one-time code a card asked for.
 *
 * validate → load → decide with the state machine → commit `processing` and
 * the attempt → call the provider outside any transaction → commit the
 * outcome with its history and events. A crash between the two commits
 * leaves a pending attempt that the worker resolves by asking the provider.
 */
import type { PayerDevice } from '../../connectors/connector.ts';
import { isChannel } from '../../connectors/registry.ts';
import { closeWaitingOrder, confirmWithChannel } from '../channels/channel-payments.ts';
import { confirmWithWallet } from '../wallet/wallet-payments.ts';
import { isExpired, luhnValid, type CardInput } from '../../domain/payments/card.ts';
import { toStoredCard } from '../../domain/payments/stored-card.ts';
import { PaymentError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/payments/payment-state.ts';
import { isConfirmable } from '../../domain/payments/payment-state.ts';
import { limits } from '../../domain/limits.ts';
import type { Currency } from '../../domain/money.ts';
import { claimDeferredKey } from '../../store/idempotency.ts';
import { findPaymentById, findPaymentToConfirm, latestAttempt, updateAttempt, type PaymentRecord, type Scope } from '../../store/payments.ts';
import type { AttemptRow } from '../../store/schema.ts';
import { callProvider } from '../channels/connector-calls.ts';
import { now, type FlowContext } from '../context.ts';
import { takesCurrency } from './create-payment.ts';
import { transitionPayment } from './payment-transitions.ts';
import { alipayClientOf, type ConfirmInput } from './confirm-input.ts';
import { loadAccount, rankAccounts } from '../channels/connector-accounts.ts';
import { redeemPointsAtConfirm } from '../loyalty/redeem-points.ts';
import { concurrentChange, settleAuthorization } from './settle-authorization.ts';
import { challengeRestrictedCustomer, continueCustomerVerification } from './cancellation-abuse.ts';
import { checkCouponAtConfirm } from '../coupons/apply-coupon.ts';
import { assessRisk } from '../risk/assess-risk.ts';

export type { ConfirmInput, PaymentMethodInput } from './confirm-input.ts';

/** What the API knows of the payer's device: QR code on a desktop, redirect on a phone. */
export interface PayerClient {
  device: PayerDevice;
  ip: string | null;
}

export async function confirmPayment(
  context: FlowContext,
  scope: Scope,
  actor: Actor,
  paymentId: string,
  request: ConfirmInput,
  client: PayerClient = { device: 'desktop', ip: null },
): Promise<PaymentRecord> {
  // Checked before anything is done: a payer waiting at a provider keeps their order when the options are wrong.
  const alipayClient = alipayClientOf(request, paymentId);
  const read = await findPaymentToConfirm(context.db, scope, paymentId);
  if (!read) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'payment', id: paymentId } });
  const { risk_configured: riskConfigured, ...current } = read;
  // Only a card confirm of a payment waiting for its method, with no customer to check, leaves its
  // idempotency key to be claimed by its first write (the transition to processing); every other
  // path may write or call a provider before that, so its key is claimed now (see store/idempotency.ts).
  const cardFastPath =
    request.payment_method?.type === 'card' && request.otp === undefined && current.customer_id === null && current.status !== 'requires_action';
  if (!cardFastPath) await claimDeferredKey(context.db);
  // A payment waiting for a restricted customer's code (not a card's) takes the code first.
  const verification = await continueCustomerVerification(context, actor, current, request);
  if ('answer' in verification) return verification.answer;
  const { payment: found, input } = verification;
  if (found.status === 'requires_action' && input.otp !== undefined) return verifyOneTimeCode(context, actor, found, input.otp);
  const payment = input.payment_method && found.status === 'requires_action' ? await leaveWaitingOrder(context, actor, found) : found;
  // Paid at the provider just before the payer switched: that payment is the answer, not an error.
  if (found.status === 'requires_action' && payment.status === 'succeeded') return payment;
  if (input.otp !== undefined) {
    throw new PaymentError('payment_unexpected_state', { param: 'otp', paymentId, details: { status: payment.status, action: 'verified with a one-time code' } });
  }
  if (!isConfirmable(payment.status)) {
    throw new PaymentError('payment_unexpected_state', { paymentId, details: { status: payment.status, action: 'confirmed' } });
  }
  if (context.clock.nowMs() >= payment.expires_at.getTime()) throw new PaymentError('payment_expired', { paymentId });
  const method = input.payment_method;
  if (!method) throw new PaymentError('parameter_missing', { param: 'payment_method', paymentId });
  // A payment created before channels were offered by currency may still list one that cannot take it: refused before any attempt.
  const payable = payment.payment_method_types.filter((type) => takesCurrency(context, type, payment.currency));
  if (!payable.includes(method.type)) {
    throw new PaymentError('payment_method_unavailable', {
      param: 'payment_method.type',
      paymentId,
      details: { payment_method_type: method.type, available: payable.join(', ') || '(none)' },
    });
  }
  await checkCouponAtConfirm(context, scope, payment, method.type, input.points ?? 0);
  // Points to redeem lower the amount due before any provider is asked for it.
  const priced = await redeemPointsAtConfirm(context, payment, input.points);
  const challenged = await challengeRestrictedCustomer(context, actor, priced);
  if (challenged) return challenged;
  // The merchant's risk rules: allow, challenge (answered here), review (held: manual capture) or block (thrown).
  const risk = riskConfigured ? await assessRisk(context, actor, priced, input) : { payment: priced };
  if ('answer' in risk) return risk.answer;
  const checked = risk.payment;
  if (isChannel(method.type)) {
    const payerOpenid = method.type === 'wechat_pay' ? (input.payment_method_options?.wechat_pay?.openid ?? null) : null;
    return confirmWithChannel(context, actor, checked, method.type, { returnUrl: input.return_url ?? null, ...client, payerOpenid, alipayClient });
  }
  if (method.type === 'wallet') return confirmWithWallet(context, actor, checked, method.wallet.pin);
  if (method.type !== 'card') throw new Error(`payment method ${method.type} has no confirm flow`);
  return confirmWithCard(context, actor, checked, method.card, input.return_url ?? null);
}

/**
 * The payer waiting at a provider (a QR code, a redirect) chose another way
 * to pay: the provider's order is closed first, so the payer cannot pay both;
 * then the payment is back to waiting for a method. If the payer had paid
 * there meanwhile, the payment has succeeded and that is the answer.
 */
async function leaveWaitingOrder(context: FlowContext, actor: Actor, payment: PaymentRecord): Promise<PaymentRecord> {
  const attempt = await latestAttempt(context.db, payment.merchant_id, payment.id, 'authorize');
  if (!attempt || !isChannel(attempt.connector) || attempt.status !== 'requires_action') return payment;
  const closed = await closeWaitingOrder(context, payment).catch(() => false);
  const current = (await findPaymentById(context.db, payment.merchant_id, payment.id)) ?? payment;
  if (!closed) {
    if (current.status === 'succeeded') return current;
    throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: current.status, action: 'confirmed' } });
  }
  const reopened = await transitionPayment(context, current, {
    to: 'requires_payment_method',
    actor,
    reason: 'payment_method_switched',
    patch: { next_action: null, last_error: null },
  });
  if (!reopened) throw concurrentChange(payment.id, 'confirmed');
  return reopened;
}

/** Card checks that need no provider: a mistyped number or a past expiry never leaves Paypilot. */
function checkCardLocally(card: CardInput, nowMs: number, paymentId: string): void {
  if (!luhnValid(card.number)) throw new PaymentError('incorrect_number', { param: 'payment_method.card.number', paymentId });
  if (isExpired(card.exp_month, card.exp_year, nowMs)) {
    throw new PaymentError('expired_card', { param: 'payment_method.card.exp_year', paymentId });
  }
}

async function confirmWithCard(
  context: FlowContext,
  actor: Actor,
  payment: PaymentRecord,
  card: CardInput,
  returnUrl: string | null,
): Promise<PaymentRecord> {
  checkCardLocally(card, context.clock.nowMs(), payment.id);
  const accounts = await rankAccounts(context, payment, 'card');
  let current = payment;
  // Fail over to the next account only when the provider said nothing happened; an unknown outcome
  // must be settled by a status query first, and a decline is the payer's answer wherever it is asked.
  for (const [index, account] of accounts.entries()) {
    const attemptId = context.ids.newId('att');
    const processing = await transitionPayment(context, current, {
      to: 'processing',
      actor,
      reason: index === 0 ? null : 'failover',
      patch:
        index === 0
          ? {
              payment_method: { type: 'card', card: toStoredCard(card, context.keys.cardFingerprint) },
              last_error: null,
              next_action: null,
              ...(returnUrl ? { return_url: returnUrl } : {}),
            }
          : {},
      newAttempt: {
        id: attemptId,
        operation: 'authorize',
        connector: 'card',
        connector_account_id: account.id,
        payment_method_type: 'card',
        amount: payment.amount,
        provider_idempotency_key: attemptId,
      },
    });
    if (!processing) throw concurrentChange(payment.id, 'confirmed');
    const call = await callProvider(context, attemptId, (idempotencyKey) =>
      context.connectors.card.authorize(account, {
        idempotencyKey,
        amount: payment.amount,
        currency: payment.currency as Currency,
        capture: payment.capture_method === 'automatic',
        card,
        description: payment.description,
      }),
      { connector: 'card', operation: 'authorize' },
    );
    const healthy = call.outcome.kind !== 'unknown' && call.outcome.kind !== 'retriable';
    await context.accountHealth.record(payment.merchant_id, account.id, healthy, context.clock.nowMs());
    if (call.outcome.kind === 'retriable' && index < accounts.length - 1) {
      await updateAttempt(
        context.db,
        payment.merchant_id,
        { ...attemptFailure(attemptId, call), status: 'failed', error_code: call.outcome.code, completed: true, next_query_at: null },
        now(context),
      );
      current = processing;
      continue;
    }
    return settleAuthorization(context, processing, attemptId, call);
  }
  throw new PaymentError('connector_unavailable', { paymentId: payment.id });
}

function attemptFailure(attemptId: string, call: { tries: number; latencyMs: number }) {
  return { id: attemptId, provider_reference: null, decline_code: null, tries: call.tries, latency_ms: call.latencyMs };
}

async function verifyOneTimeCode(context: FlowContext, actor: Actor, payment: PaymentRecord, otp: string): Promise<PaymentRecord> {
  if (!/^\d{6}$/.test(otp)) throw new PaymentError('parameter_invalid', { param: 'otp', paymentId: payment.id, details: { reason: 'six digits' } });
  const attempt = await latestAttempt(context.db, payment.merchant_id, payment.id, 'authorize');
  // Only a card attempt asks for a one-time code: a payment waiting at a channel's QR code or redirect takes
  // none, and its account must never reach the card connector. Refused before anything moves.
  if (!attempt || attempt.connector !== 'card' || attempt.status !== 'requires_action' || !attempt.provider_reference || !attempt.connector_account_id) {
    throw new PaymentError('payment_unexpected_state', { param: 'otp', paymentId: payment.id, details: { status: payment.status, action: 'verified with a one-time code' } });
  }
  const account = await loadAccount(context, attempt.merchant_id, attempt.connector_account_id);
  // Each code check is its own provider request: key it by how many checks came before.
  const checkKey = `${attempt.id}-otp${attempt.tries}`;
  const processing = await transitionPayment(context, payment, {
    to: 'processing',
    actor,
    attemptResult: attemptState(attempt, {
      status: 'pending',
      tries: attempt.tries + 1,
      nextQueryAt: new Date(context.clock.nowMs() + limits.unknownOutcomeQueryAfterMs),
    }),
  });
  if (!processing) throw concurrentChange(payment.id, 'verified with a one-time code');
  const reference = attempt.provider_reference;
  const call = await callProvider(context, checkKey, (idempotencyKey) =>
    context.connectors.card.verifyOtp(account, { idempotencyKey, reference, otp }),
    { connector: 'card', operation: 'verify_otp' },
  );
  return settleAuthorization(context, processing, attempt.id, { ...call, tries: attempt.tries + 1 });
}

function attemptState(attempt: AttemptRow, change: { status: AttemptRow['status']; tries: number; nextQueryAt: Date }) {
  return {
    id: attempt.id,
    status: change.status,
    provider_reference: attempt.provider_reference,
    error_code: null,
    decline_code: null,
    tries: change.tries,
    latency_ms: attempt.latency_ms,
    completed: false,
    next_query_at: change.nextQueryAt,
  };
}
