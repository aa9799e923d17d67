/**
 * A payer can still pay an order Paypilot gave up on: a QR code scanned after
 * the payer switched to another method, or after the payment expired (a
 * provider may not let an order that was never opened be closed), or a
 * second order paid after the payment succeeded another way. That money was
 * taken for nothing. It is never accepted: the order is refunded at the
 * provider, in full, once (keyed by the attempt), recorded, and reported to
 * the merchant as `payment.late_payment_refunded`. An unknown answer is asked
 * about again by the worker until the provider settles it.
 */
import type { OrderState, RefundOutcome } from '../../connectors/connector.ts';
import { isChannel } from '../../connectors/registry.ts';
import { limits } from '../../domain/limits.ts';
import { amountToJson, type Currency } from '../../domain/money.ts';
import type { AttemptRow, LatePaymentRefundRow } from '../../store/schema.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import { callProvider } from './connector-calls.ts';
import { loadAccount } from './connector-accounts.ts';
import { now, type FlowContext } from '../context.ts';
import { refundNumberOf } from '../payments/refund-payment.ts';

/** True when a paid order belongs to an attempt the payment no longer waits on. */
export function isLatePayment(payment: PaymentRecord, attempt: AttemptRow, state: OrderState): boolean {
  if (state.kind !== 'paid' || attempt.status === 'succeeded') return false;
  const waiting = payment.status === 'requires_action' || payment.status === 'processing';
  return attempt.status === 'failed' || !waiting;
}

export async function refundLatePayment(context: FlowContext, payment: PaymentRecord, attempt: AttemptRow, state: Extract<OrderState, { kind: 'paid' }>): Promise<LatePaymentRefundRow | null> {
  if (!attempt.connector_account_id || !isChannel(attempt.connector)) return null;
  const at = now(context);
  const row = await recordLatePayment(context, payment, attempt, state.amountPaid, at);
  if (row.status !== 'pending') return row;
  return settleLateRefund(context, row, await sendLateRefund(context, row, attempt, 'refund'));
}

async function recordLatePayment(context: FlowContext, payment: PaymentRecord, attempt: AttemptRow, amount: bigint, at: Date): Promise<LatePaymentRefundRow> {
  const id = context.ids.newId('lpr');
  const view = { object: 'late_payment_refund', id, payment: payment.id, attempt: attempt.id, connector: attempt.connector, amount: amountToJson(amount), currency: payment.currency, status: 'pending' };
  // One per attempt, however many notifications report it; the merchant's event in the same statement.
  await context.db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('late_payment_refunds')
      .values({
        id,
        attempt_id: attempt.id,
        payment_id: payment.id,
        merchant_id: payment.merchant_id,
        mode: payment.mode,
        connector_account_id: attempt.connector_account_id!,
        amount,
        currency: payment.currency,
        status: 'pending',
        provider_reference: null,
        failure_reason: null,
        next_query_at: new Date(at.getTime() + limits.unknownOutcomeQueryAfterMs),
        created_at: at,
        updated_at: at,
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      await tx
        .insertInto('events')
        .values({ id: context.ids.newId('evt'), merchant_id: payment.merchant_id, mode: payment.mode, type: 'payment.late_payment_refunded', object_id: payment.id, data: JSON.stringify({ object: view }), created_at: at })
        .execute();
    }
  });
  return context.db.selectFrom('late_payment_refunds').selectAll().where('merchant_id', '=', attempt.merchant_id).where('attempt_id', '=', attempt.id).executeTakeFirstOrThrow();
}

async function sendLateRefund(context: FlowContext, row: LatePaymentRefundRow, attempt: AttemptRow, action: 'refund' | 'query'): Promise<RefundOutcome> {
  if (!isChannel(attempt.connector)) return { kind: 'failed', reason: 'not a channel order' };
  const connector = context.connectors.channels[attempt.connector];
  const account = await loadAccount(context, row.merchant_id, row.connector_account_id);
  const numbers = { orderNumber: attempt.provider_idempotency_key, refundNumber: refundNumberOf(row.id), orderCreatedAt: attempt.started_at, refundCreatedAt: row.created_at };
  if (action === 'query') return connector.queryRefund(account, numbers);
  const request = {
    ...numbers,
    amount: row.amount,
    totalAmount: row.amount,
    currency: row.currency as Currency,
    reason: 'paid after the order was closed',
    notifyUrl: `${context.publicBaseUrl}/v1/notify/${account.id}`,
  };
  return (await callProvider(context, numbers.refundNumber, () => connector.refund(account, request), { connector: attempt.connector, operation: 'late_payment_refund' })).outcome;
}

async function settleLateRefund(context: FlowContext, row: LatePaymentRefundRow, outcome: RefundOutcome): Promise<LatePaymentRefundRow> {
  const at = now(context);
  const final = outcome.kind === 'succeeded' ? 'succeeded' : outcome.kind === 'failed' || outcome.kind === 'declined' ? 'failed' : 'pending';
  const settled = await context.db
    .updateTable('late_payment_refunds')
    .set({
      status: final,
      provider_reference: 'reference' in outcome ? outcome.reference : row.provider_reference,
      failure_reason: outcome.kind === 'failed' ? outcome.reason : outcome.kind === 'declined' ? outcome.code : null,
      // A refund the provider has not settled is asked about again; a failed one stays for people to see.
      next_query_at: final === 'pending' ? new Date(at.getTime() + limits.unknownOutcomeQueryAfterMs) : null,
      updated_at: at,
    })
    .where('merchant_id', '=', row.merchant_id)
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  return settled ?? row;
}

/** The worker's share: late-payment refunds whose outcome is not known yet. */
export async function resolveLatePaymentRefunds(context: FlowContext, batchSize: number = limits.sweepBatchSize): Promise<number> {
  const due = await context.db
    .selectFrom('late_payment_refunds')
    .selectAll()
    .where('status', '=', 'pending')
    .where('next_query_at', '<=', now(context))
    .orderBy('next_query_at')
    .limit(batchSize)
    .execute();
  let settled = 0;
  for (const row of due) {
    const attempt = await context.db.selectFrom('payment_attempts').selectAll().where('merchant_id', '=', row.merchant_id).where('id', '=', row.attempt_id).executeTakeFirst();
    if (!attempt) continue;
    const outcome = await sendLateRefund(context, row, attempt, 'query').catch(() => ({ kind: 'unknown', detail: 'query failed' }) as RefundOutcome);
    // Never sent (a crash right after recording it): send it now; its number keeps it from being sent twice.
    const next = outcome.kind === 'not_found' ? await sendLateRefund(context, row, attempt, 'refund').catch(() => outcome) : outcome;
    if ((await settleLateRefund(context, row, next)).status !== 'pending') settled += 1;
  }
  return settled;
}
