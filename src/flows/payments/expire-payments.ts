/**
 * No payment stays open for ever: one that nobody paid by its `expires_at`
 * is canceled as abandoned. A payment waiting at a provider (QR code,
 * redirect) is first closed there, so the payer can no longer pay it; one the
 * provider says was paid succeeds instead. Run by the worker; safe to run
 * from several workers at once (a lost race changes nothing).
 */
import { limits } from '../../domain/limits.ts';
import { findPaymentById, findPaymentOfAnyMerchant, type PaymentRecord } from '../../store/payments.ts';
import { findDueExpiredPaymentIds, postponeExpiry, pruneExpiryWatch } from '../../store/expiry-retries.ts';
import { abandonableStatuses } from '../../domain/payments/payment-state.ts';
import { cancellation } from './cancel-payment.ts';
import { closeWaitingOrder } from '../channels/channel-payments.ts';
import { now, type FlowContext } from '../context.ts';
import { transitionPayment } from './payment-transitions.ts';

/** How long after its `tries`-th failed try an expired payment is tried again: doubling from a minute, bounded. */
export function expiryRetryDelayMs(tries: number): number {
  return Math.min(limits.expiryRetryDelayMaxMs, limits.expiryRetryDelayMinMs * 2 ** Math.min(Math.max(tries - 1, 0), 20));
}

export async function expireAbandonedPayments(context: FlowContext, batchSize: number = limits.sweepBatchSize): Promise<number> {
  const at = now(context);
  await pruneFinalFromWatch(context, at);
  let canceled = 0;
  for (const id of await findDueExpiredPaymentIds(context.db, at, batchSize)) {
    const payment = await findPaymentOfAnyMerchant(context.db, id);
    if (!payment) continue;
    // A provider that cannot be reached now: the payment is tried again after its backoff, behind every payment due before
    // then, so a batch of such payments never keeps the others from expiring.
    if (!(await closeWaitingOrder(context, payment).catch(() => false))) {
      await postponeExpiry(context.db, payment, at, expiryRetryDelayMs);
      continue;
    }
    if (await cancelAsAbandoned(context, payment, at)) canceled += 1;
  }
  return canceled;
}

/** Forgets the payments that reached a final status, so the watch holds only what may still need the sweep: bounded per run. */
async function pruneFinalFromWatch(context: FlowContext, at: Date): Promise<void> {
  for (let statements = 0; statements < limits.expiryWatchPruneStatementsMax; statements += 1) {
    if ((await pruneExpiryWatch(context.db, at, limits.expiryWatchPruneBatchSize)) < limits.expiryWatchPruneBatchSize) return;
  }
}

/**
 * Cancels with the payment as read; if something else changed it meanwhile
 * (a status query that saw the provider close the order, say) and it is still
 * unpaid, once more with the fresh record, so one sweep finishes the job.
 */
async function cancelAsAbandoned(context: FlowContext, payment: PaymentRecord, at: Date): Promise<boolean> {
  if (await transitionPayment(context, payment, cancellation('system', 'abandoned', null, at))) return true;
  const fresh = await findPaymentById(context.db, payment.merchant_id, payment.id);
  if (!fresh || !(abandonableStatuses as readonly string[]).includes(fresh.status) || fresh.status === 'requires_action') return false;
  return (await transitionPayment(context, fresh, cancellation('system', 'abandoned', null, at))) !== null;
}
