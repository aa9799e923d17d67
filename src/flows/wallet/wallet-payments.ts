/**
 * Paying from the customer's stored-value wallet.
 *
 * The wallet is our own ledger, so there is no provider to call, but the
 * payment goes the same way as any other: `processing` with an attempt, then
 * the outcome. The money moves in the very statement that records the
 * outcome, so a payment is succeeded (or held) exactly when its wallet was
 * debited. If the process dies in between, the attempt is still pending, no
 * money has moved, and the worker's sweep fails it (see `resolveWalletAttempt`).
 *
 * Order of checks for a confirm: the PIN (against its lock, then its hash),
 * then the balance, which the database enforces as it debits.
 */
import { PaymentError, type ErrorCode, type ErrorDetails } from '../../domain/errors.ts';
import { capture, hold, refund as refundPosting, release, walletPayment, type Posting } from '../../domain/wallet/ledger.ts';
import { limits } from '../../domain/limits.ts';
import { amountToJson, formatDecimal, type Currency } from '../../domain/money.ts';
import type { Actor } from '../../domain/payments/payment-state.ts';
import { pinLockout, verifyPin } from '../../domain/wallet/pin.ts';
import { ensureLedgerAccounts, isBalanceShortfall, walletBalances } from '../../store/ledger.ts';
import { findPaymentById, updateAttempt, type PaymentRecord } from '../../store/payments.ts';
import { settleRefund } from '../../store/refunds.ts';
import type { AttemptRow, RefundRow } from '../../store/schema.ts';
import { findPin, judgePinTry, reservePinTry, type PinOwner, type PinReservation } from '../../store/wallet-pins.ts';
import { applyAuthorizationDecision, decideAuthorization, failed } from '../payments/authorization-outcome.ts';
import { now, type FlowContext } from '../context.ts';
import { transitionPayment, type TransitionRequest } from '../payments/payment-transitions.ts';
import { presentRefund, type StoredError } from '../payments/present.ts';
import { pointsOfRefund } from '../loyalty/points-refunds.ts';

export async function confirmWithWallet(context: FlowContext, actor: Actor, payment: PaymentRecord, pin: string): Promise<PaymentRecord> {
  const customerId = payment.customer_id;
  if (!customerId) {
    throw new PaymentError('payment_method_unavailable', {
      param: 'payment_method.type',
      paymentId: payment.id,
      details: { payment_method_type: 'wallet', available: payment.payment_method_types.filter((t) => t !== 'wallet').join(', ') || '(none)' },
    });
  }
  const attemptId = context.ids.newId('att');
  const startedMs = context.clock.nowMs();
  const processing = await transitionPayment(context, payment, {
    to: 'processing',
    actor,
    patch: { payment_method: { type: 'wallet', wallet: { customer: customerId } }, last_error: null, next_action: null },
    newAttempt: {
      id: attemptId,
      operation: 'authorize',
      connector: 'wallet',
      connector_account_id: null,
      payment_method_type: 'wallet',
      amount: payment.amount,
      provider_idempotency_key: attemptId,
    },
  });
  if (!processing) throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: 'changing', action: 'confirmed' } });
  const refusal = await checkPin(context, { id: customerId, merchant_id: payment.merchant_id }, pin);
  if (refusal) return failAttempt(context, processing, attemptId, startedMs, refusal);

  const scope = { merchantId: payment.merchant_id, mode: payment.mode };
  await ensureLedgerAccounts(context.db, scope, {
    currency: payment.currency,
    customerId,
    kinds: ['customer_wallet', 'customer_hold', 'merchant_wallet'],
    newId: () => context.ids.newId('lac'),
    now: now(context),
  });
  const header = { currency: payment.currency, customerId, paymentId: payment.id, refundId: null };
  const manual = payment.capture_method === 'manual';
  const posting = manual ? hold(header, payment.amount) : walletPayment(header, payment.amount);
  // The ledger movement's key is the attempt's reference, as a provider's transaction number would be.
  const decision = decideAuthorization(processing, attemptId, { kind: 'authorized', reference: posting.idempotencyKey, captured: !manual, amountCaptured: payment.amount });
  if (decision.kind !== 'settled') throw new Error('an authorization always settles');
  try {
    const settled = await applyAuthorizationDecision(context, processing, attemptId, decision, {
      actor: 'system',
      tries: 1,
      latencyMs: context.clock.nowMs() - startedMs,
      posting,
    });
    return settled ?? (await findPaymentById(context.db, payment.merchant_id, payment.id)) ?? processing;
  } catch (error) {
    if (!isBalanceShortfall(error)) throw error;
    const { available } = await walletBalances(context.db, scope, customerId, payment.currency);
    return failAttempt(context, processing, attemptId, startedMs, shortfall(payment, available));
  }
}

interface Refusal {
  code: ErrorCode;
  details: ErrorDetails;
}

const pinRule = { attemptsMax: limits.pinAttemptsMax, lockMs: limits.pinLockMs, reservationTtlMs: limits.pinTryReservationTtlMs };

/**
 * Reserves a try against the lock and the limit, then checks the PIN and
 * counts the result; answers why the payment is refused, or null when the PIN is right.
 */
async function checkPin(context: FlowContext, customer: PinOwner, pin: string): Promise<Refusal | null> {
  const stored = await findPin(context.db, customer);
  if (!stored) return { code: 'pin_not_set', details: {} };
  return withLocalPinGate(customer.id, () => reserveAndCheck(context, customer, pin, stored.pin_hash));
}

async function reserveAndCheck(context: FlowContext, customer: PinOwner, pin: string, pinHash: string): Promise<Refusal | null> {
  const reservation = await reservePinTryWaiting(context, customer);
  if (reservation.kind === 'refused') {
    const lockout = pinLockout(reservation.failedAttempts, reservation.lockedUntil, context.clock.nowMs());
    // Not locked, but the tries left were all being checked for as long as we could wait: refused until their reservations lapse.
    const until = lockout.unlocksAt ?? new Date((reservation.inFlightSince?.getTime() ?? context.clock.nowMs()) + pinRule.reservationTtlMs);
    return locked(until);
  }
  const right = await verifyPin(pin, pinHash, context.keys.pinPepper);
  const counted = await judgePinTry(context.db, customer, now(context), { right, countedBefore: reservation.countedBefore }, pinRule);
  if (right) return null;
  const after = pinLockout(counted.failed_attempts, counted.locked_until, context.clock.nowMs());
  if (after.locked && after.unlocksAt) return locked(after.unlocksAt);
  return { code: 'incorrect_pin', details: { attempts_remaining: after.attemptsRemaining } };
}

/**
 * Tries of one customer in this process queue here, at most `pinAttemptsMax`
 * at a time, so a payer paying many orders at once waits in memory and is
 * woken as soon as a try ends, instead of being refused by the database's
 * reservation and polling it. (The database's check is what bounds tries
 * across processes; this only spares it pointless refusals.)
 */
const localPinGates = new Map<string, { inFlight: number; waiting: (() => void)[] }>();

async function withLocalPinGate<T>(customerId: string, work: () => Promise<T>): Promise<T> {
  let gate = localPinGates.get(customerId);
  if (!gate) {
    gate = { inFlight: 0, waiting: [] };
    localPinGates.set(customerId, gate);
  }
  // A try that ends hands its place straight to the next one waiting, so no newcomer slips in between.
  if (gate.inFlight >= limits.pinAttemptsMax) await new Promise<void>((resolve) => gate!.waiting.push(resolve));
  else gate.inFlight += 1;
  try {
    return await work();
  } finally {
    const next = gate.waiting.shift();
    if (next) next();
    else {
      gate.inFlight -= 1;
      if (gate.inFlight === 0) localPinGates.delete(customerId);
    }
  }
}

/**
 * A payer may rightly pay several orders at once: while every try left is
 * being checked (milliseconds each), a try waits for a free one, with
 * jittered backoff and a bound; a lock ends the wait at once.
 */
async function reservePinTryWaiting(context: FlowContext, customer: PinOwner): Promise<PinReservation> {
  for (let round = 0; ; round += 1) {
    const reservation = await reservePinTry(context.db, customer, now(context), pinRule);
    if (reservation.kind === 'reserved') return reservation;
    const lockedNow = reservation.lockedUntil !== null && reservation.lockedUntil.getTime() > context.clock.nowMs();
    if (lockedNow || round >= limits.pinTryWaitRoundsMax) return reservation;
    const backoffMs = Math.min(limits.pinTryWaitStepMaxMs, 10 * 2 ** Math.min(round, 5));
    await context.sleep(backoffMs / 2 + ((context.random.bytes(1)[0] ?? 0) / 255) * (backoffMs / 2));
  }
}

function locked(until: Date): Refusal {
  return { code: 'pin_locked', details: { unlocks_at: until.toISOString(), attempts_remaining: 0 } };
}

function shortfall(payment: PaymentRecord, available: bigint): Refusal {
  const currency = payment.currency as Currency;
  const missing = payment.amount - available;
  return {
    code: 'insufficient_funds',
    details: {
      available: `${formatDecimal(available, currency)} ${currency}`,
      shortfall: `${formatDecimal(missing > 0n ? missing : 0n, currency)} ${currency}`,
      available_amount: amountToJson(available),
    },
  };
}

/** Records the refusal on the attempt and the payment (back to requires_payment_method), then throws it. */
async function failAttempt(context: FlowContext, processing: PaymentRecord, attemptId: string, startedMs: number, refusal: Refusal): Promise<never> {
  const error: StoredError = { code: refusal.code, decline_code: null, details: refusal.details, attempt: attemptId };
  await applyAuthorizationDecision(context, processing, attemptId, failed(error, null), {
    actor: 'system',
    tries: 1,
    latencyMs: context.clock.nowMs() - startedMs,
  });
  throw new PaymentError(refusal.code, { paymentId: processing.id, details: refusal.details });
}

/** Capturing a wallet hold: the captured part goes to the merchant, the rest back to the wallet, in one statement. */
export async function captureFromWallet(context: FlowContext, payment: PaymentRecord, authorization: AttemptRow, amount: bigint): Promise<PaymentRecord> {
  const header = walletHeader(payment);
  const posting = capture(header, payment.amount_capturable, amount);
  return settleHoldOperation(context, payment, authorization, 'capture', 'merchant', amount, posting, {
    to: 'succeeded',
    actor: 'system',
    patch: { amount_received: amount, amount_capturable: 0n },
    eventTypes: ['payment.captured', 'payment.succeeded'],
  });
}

/** Canceling an uncaptured wallet payment: the whole hold goes back to the wallet. */
export async function releaseFromWallet(
  context: FlowContext,
  actor: Actor,
  payment: PaymentRecord,
  authorization: AttemptRow,
  cancellation: TransitionRequest,
): Promise<PaymentRecord> {
  const posting = release(walletHeader(payment), payment.amount_capturable);
  return settleHoldOperation(context, payment, authorization, 'void', actor, payment.amount_capturable, posting, cancellation);
}

function walletHeader(payment: PaymentRecord) {
  if (!payment.customer_id) throw new Error(`wallet payment ${payment.id} has no customer`);
  return { currency: payment.currency, customerId: payment.customer_id, paymentId: payment.id, refundId: null };
}

async function settleHoldOperation(
  context: FlowContext,
  payment: PaymentRecord,
  authorization: AttemptRow,
  operation: 'capture' | 'void',
  actor: Actor,
  amount: bigint,
  posting: Posting,
  outcome: TransitionRequest,
): Promise<PaymentRecord> {
  const action = operation === 'capture' ? 'captured' : 'canceled';
  const attemptId = context.ids.newId('att');
  const startedMs = context.clock.nowMs();
  const processing = await transitionPayment(context, payment, {
    to: 'processing',
    actor,
    reason: outcome.reason ?? null,
    newAttempt: {
      id: attemptId,
      operation,
      connector: 'wallet',
      connector_account_id: null,
      payment_method_type: authorization.payment_method_type,
      amount,
      provider_idempotency_key: attemptId,
    },
  });
  if (!processing) throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: 'changing', action } });
  const settled = await transitionPayment(context, processing, {
    ...outcome,
    posting,
    attemptResult: {
      id: attemptId,
      status: 'succeeded',
      provider_reference: null,
      error_code: null,
      decline_code: null,
      tries: 1,
      latency_ms: context.clock.nowMs() - startedMs,
      completed: true,
      next_query_at: null,
    },
  });
  return settled ?? (await findPaymentById(context.db, payment.merchant_id, payment.id)) ?? processing;
}

/** A refund of a wallet payment: the money returns to the wallet in the statement that marks the refund succeeded. */
export async function refundToWallet(context: FlowContext, refund: RefundRow, payment: PaymentRecord): Promise<RefundRow | undefined> {
  const header = { ...walletHeader(payment), refundId: refund.id };
  const posting = refundPosting(header, refund.amount);
  return settleRefund(context.db, {
    refundId: refund.id,
    merchantId: refund.merchant_id,
    status: 'succeeded',
    failureReason: null,
    providerReference: null,
    nextQueryAt: null,
    event: { id: context.ids.newId('evt'), type: 'refund.succeeded', data: { object: presentRefund(refund) } },
    now: now(context),
    ledger: { posting, transactionId: context.ids.newId('ltx'), scope: { merchantId: refund.merchant_id, mode: refund.mode } },
    points: await pointsOfRefund(context, refund),
  });
}

/**
 * The sweep's answer for a wallet attempt still open after a crash: its money
 * would have moved in the statement that closed it, so nothing moved. An
 * authorization fails (the payer may try again); a capture or release leaves
 * the hold as it was, for the merchant to try again.
 */
export async function resolveWalletAttempt(context: FlowContext, attempt: AttemptRow): Promise<boolean> {
  const payment = await findPaymentById(context.db, attempt.merchant_id, attempt.payment_id);
  const closed = { id: attempt.id, provider_reference: null, decline_code: null, tries: attempt.tries, latency_ms: null, completed: true, next_query_at: null };
  if (payment?.status !== 'processing') {
    await updateAttempt(context.db, attempt.merchant_id, { ...closed, status: 'failed', error_code: 'processing_error' }, now(context));
    return false;
  }
  const to = attempt.operation === 'authorize' ? 'requires_payment_method' : 'requires_capture';
  const error: StoredError = { code: 'processing_error', decline_code: null, details: {}, attempt: attempt.id };
  const settled = await transitionPayment(context, payment, {
    to,
    actor: 'system',
    reason: 'status_query',
    error: to === 'requires_payment_method' ? error : null,
    patch: to === 'requires_payment_method' ? { last_error: error, next_action: null, amount_capturable: 0n } : {},
    eventTypes: to === 'requires_payment_method' ? ['payment.payment_failed'] : [],
    attemptResult: { ...closed, status: 'failed', error_code: 'processing_error' },
  });
  return settled !== null;
}
