/**
 * Refunding a payment, in full or in part, several times. The refund is
 * recorded (and checked against what remains) before the provider is called,
 * and settled with the provider's answer; an unknown answer stays pending
 * until the worker's status query settles it.
 */
import type { RefundOutcome } from '../../connectors/connector.ts';
import { PaymentError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { formatDecimal, type Currency } from '../../domain/money.ts';
import { findPayment, findPaymentById, latestAttempt, type Scope } from '../../store/payments.ts';
import { findLedgerTransaction, isBalanceShortfall, post, walletBalances } from '../../store/ledger.ts';
import { topUpRefund, topUpRefundKey, topUpRefundReversal as topUpRefundReversalPosting } from '../../domain/wallet/ledger.ts';
import { refundToWallet } from '../wallet/wallet-payments.ts';
import { reserveRefund, settleRefund, findRefund } from '../../store/refunds.ts';
import type { AttemptRow, RefundRow } from '../../store/schema.ts';
import { isChannel } from '../../connectors/registry.ts';
import { assert } from '../../domain/assert.ts';
import { callProvider } from '../channels/connector-calls.ts';
import { now, type FlowContext } from '../context.ts';
import { loadAccount } from '../channels/connector-accounts.ts';
import { pointsOfRefund } from '../loyalty/points-refunds.ts';
import { presentRefund } from './present.ts';

export const refundReasons = ['duplicate', 'fraudulent', 'requested_by_customer', 'after_sales', 'other'] as const;
export type RefundReason = (typeof refundReasons)[number];

export interface RefundInput {
  payment: string;
  amount?: number;
  reason?: RefundReason;
}

export async function refundPayment(context: FlowContext, scope: Scope, input: RefundInput): Promise<RefundRow> {
  if (input.amount !== undefined && input.amount < 1) throw new PaymentError('amount_invalid', { param: 'amount' });
  await refuseSpentTopUp(context, scope, input);
  const refundId = context.ids.newId('re');
  const reserved = await reserveRefund(context.db, scope, {
    id: refundId,
    paymentId: input.payment,
    amount: input.amount === undefined ? null : BigInt(input.amount),
    reason: input.reason ?? null,
    providerIdempotencyKey: refundId,
    event: { id: context.ids.newId('evt'), type: 'refund.created', data: null },
    eventData: (refund) => ({ object: presentRefund(refund) }),
    now: now(context),
  });
  switch (reserved.kind) {
    case 'payment_missing':
      throw new PaymentError('resource_missing', { param: 'payment', details: { resource: 'payment', id: input.payment } });
    case 'payment_not_refundable':
      throw new PaymentError('payment_unexpected_state', { param: 'payment', paymentId: input.payment, details: { status: reserved.status, action: 'refunded' } });
    case 'exceeds': {
      const refund = await findPaymentCurrency(context, scope, input.payment);
      throw new PaymentError('refund_exceeds_payment', {
        param: 'amount',
        paymentId: input.payment,
        details: { remaining: refund ? `${formatDecimal(reserved.remaining, refund)} ${refund}` : reserved.remaining.toString() },
      });
    }
    case 'reserved':
      break;
  }
  const refund = reserved.refund;
  const authorization = await latestAttempt(context.db, refund.merchant_id, refund.payment_id, 'authorize');
  if (authorization?.connector === 'wallet') return settleWalletRefund(context, refund);
  if (!authorization?.provider_reference || !authorization.connector_account_id) {
    return settle(context, refund, { kind: 'failed', reason: 'payment_has_no_provider_reference' });
  }
  if (!(await takeBackTopUp(context, refund))) return settle(context, refund, { kind: 'failed', reason: 'wallet_balance_insufficient' });
  return settle(context, refund, await refundAtProvider(context, refund, authorization, 'refund'));
}

export async function getRefund(context: FlowContext, scope: Scope, id: string): Promise<RefundRow> {
  const refund = await findRefund(context.db, scope, id);
  if (!refund) throw new PaymentError('resource_missing', { param: 'id', details: { resource: 'refund', id } });
  return refund;
}

/** A wallet payment's refund: no provider, the ledger moves with the refund's success. */
export async function settleWalletRefund(context: FlowContext, refund: RefundRow): Promise<RefundRow> {
  const payment = await findPaymentById(context.db, refund.merchant_id, refund.payment_id);
  assert(payment !== undefined, 'a refund belongs to a payment');
  const settled = await refundToWallet(context, refund, payment);
  return settled ?? (await findRefund(context.db, { merchantId: refund.merchant_id, mode: refund.mode }, refund.id)) ?? refund;
}

/**
 * A top-up paid back to its card or account can only give back what is still
 * in the wallet: refused up front when the balance is short.
 */
async function refuseSpentTopUp(context: FlowContext, scope: Scope, input: RefundInput): Promise<void> {
  const payment = await findPayment(context.db, scope, input.payment);
  if (payment?.purpose !== 'wallet_top_up' || !payment.customer_id || payment.status !== 'succeeded') return;
  const { available } = await walletBalances(context.db, scope, payment.customer_id, payment.currency);
  const requested = input.amount === undefined ? payment.amount_received - payment.amount_refunded : BigInt(input.amount);
  if (requested <= available) return;
  const currency = payment.currency as Currency;
  throw new PaymentError('refund_exceeds_payment', {
    param: 'amount',
    paymentId: payment.id,
    details: { remaining: `${formatDecimal(available, currency)} ${currency}` },
  });
}

/**
 * For a top-up, the money leaves the wallet before the provider is asked to
 * pay it back, so it cannot be spent meanwhile; `settle` returns it if the
 * refund fails. Answers false when the wallet no longer holds it.
 */
async function takeBackTopUp(context: FlowContext, refund: RefundRow): Promise<boolean> {
  const payment = await findPaymentById(context.db, refund.merchant_id, refund.payment_id);
  if (payment?.purpose !== 'wallet_top_up' || !payment.customer_id) return true;
  const posting = topUpRefund({ currency: refund.currency, customerId: payment.customer_id, paymentId: payment.id, refundId: refund.id }, refund.amount);
  try {
    await post(context.db, posting, { merchantId: refund.merchant_id, mode: refund.mode }, context.ids.newId('ltx'), now(context));
    return true;
  } catch (error) {
    if (isBalanceShortfall(error)) return false;
    throw error;
  }
}

/** The money a failed top-up refund took from the wallet goes back, with the failure. */
async function topUpRefundReversal(context: FlowContext, refund: RefundRow) {
  const taken = await findLedgerTransaction(context.db, refund.merchant_id, topUpRefundKey(refund.id));
  if (!taken?.customer_id) return undefined;
  const header = { currency: refund.currency, customerId: taken.customer_id, paymentId: refund.payment_id, refundId: refund.id };
  return { posting: topUpRefundReversalPosting(header, refund.amount), transactionId: context.ids.newId('ltx'), scope: { merchantId: refund.merchant_id, mode: refund.mode } };
}

/** Our refund number at a channel provider (out_request_no, out_refund_no): the refund id without its underscore. */
export function refundNumberOf(refundId: string): string {
  return refundId.replace('_', '');
}

/** The refund id a refund number stands for (refundNumberOf turned around), or null when it is not one of ours. */
export function refundIdOf(refundNumber: string): string | null {
  return /^re[0-9a-z]{26}$/.test(refundNumber) ? `re_${refundNumber.slice(2)}` : null;
}

/**
 * Sends a refund, or asks about one, on the connector and account that took
 * the payment. Sending retries with the refund's own key or number, so a
 * retry never refunds twice.
 */
export async function refundAtProvider(context: FlowContext, refund: RefundRow, authorization: AttemptRow, action: 'refund' | 'query'): Promise<RefundOutcome> {
  assert(authorization.connector_account_id !== null, 'a settled authorization names its account');
  const account = await loadAccount(context, authorization.merchant_id, authorization.connector_account_id);
  const currency = refund.currency as Currency;
  if (isChannel(authorization.connector)) {
    const connector = context.connectors.channels[authorization.connector];
    const numbers = {
      orderNumber: authorization.provider_idempotency_key,
      refundNumber: refundNumberOf(refund.id),
      orderCreatedAt: authorization.started_at,
      refundCreatedAt: refund.created_at,
    };
    if (action === 'query') return connector.queryRefund(account, numbers);
    const notifyUrl = `${context.publicBaseUrl}/v1/notify/${account.id}`;
    const request = { ...numbers, amount: refund.amount, totalAmount: authorization.amount, currency, reason: refund.reason, notifyUrl };
    return (await callProvider(context, numbers.refundNumber, () => connector.refund(account, request), { connector: authorization.connector, operation: 'refund' })).outcome;
  }
  if (action === 'query') return context.connectors.card.queryRefund(account, { idempotencyKey: refund.provider_idempotency_key });
  const reference = authorization.provider_reference ?? '';
  const call = await callProvider(context, refund.provider_idempotency_key, (idempotencyKey) =>
    context.connectors.card.refund(account, { idempotencyKey, reference, amount: refund.amount, currency }),
    { connector: 'card', operation: 'refund' },
  );
  return call.outcome;
}

async function findPaymentCurrency(context: FlowContext, scope: Scope, paymentId: string): Promise<Currency | null> {
  const row = await context.db
    .selectFrom('payments')
    .select('currency')
    .where('id', '=', paymentId)
    .where('merchant_id', '=', scope.merchantId)
    .executeTakeFirst();
  return (row?.currency as Currency | undefined) ?? null;
}

/** Records the provider's answer. Shared with the worker's status queries. */
export async function settle(context: FlowContext, refund: RefundRow, outcome: RefundOutcome): Promise<RefundRow> {
  return (await settleWithResult(context, refund, outcome)).refund;
}

/**
 * `settle`, also telling whether this call moved the refund (a refund already
 * final, or settled meanwhile by another caller, is left alone), for callers
 * that must apply an outcome at most once, such as notifications.
 */
export async function settleWithResult(context: FlowContext, refund: RefundRow, outcome: RefundOutcome): Promise<{ refund: RefundRow; moved: boolean }> {
  const at = now(context);
  const final = async (status: 'succeeded' | 'failed', failureReason: string | null, reference: string | null) =>
    settleRefund(context.db, {
      refundId: refund.id,
      merchantId: refund.merchant_id,
      status,
      failureReason,
      providerReference: reference,
      nextQueryAt: null,
      event: { id: context.ids.newId('evt'), type: `refund.${status}`, data: { object: presentRefund(refund) } },
      now: at,
      ledger: status === 'failed' ? await topUpRefundReversal(context, refund) : undefined,
      points: status === 'succeeded' ? await pointsOfRefund(context, refund) : undefined,
    });
  let settled: RefundRow | undefined;
  switch (outcome.kind) {
    case 'succeeded':
      settled = await final('succeeded', null, outcome.reference);
      break;
    case 'failed':
      settled = await final('failed', outcome.reason, null);
      break;
    case 'declined':
      settled = await final('failed', outcome.code, outcome.reference);
      break;
    case 'retriable':
      settled = await final('failed', outcome.code, null);
      break;
    case 'pending':
    case 'unknown':
    case 'not_found':
      settled = await settleRefund(context.db, {
        refundId: refund.id,
        merchantId: refund.merchant_id,
        status: 'pending',
        failureReason: null,
        providerReference: outcome.kind === 'pending' ? outcome.reference : null,
        nextQueryAt: new Date(context.clock.nowMs() + limits.unknownOutcomeQueryAfterMs),
        event: null,
        now: at,
      });
      break;
  }
  if (settled) return { refund: settled, moved: true };
  return { refund: (await findRefund(context.db, { merchantId: refund.merchant_id, mode: refund.mode }, refund.id)) ?? refund, moved: false };
}
