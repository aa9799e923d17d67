/**
 * No payment stays open for ever: one that nobody paid by its `expires_at`
 * is canceled as abandoned. A payment waiting at a provider (QR code,
 * redirect) is first closed there, so the payer can no longer pay it; one the
 * provider says was paid succeeds instead. Run by the worker; safe to run
 * from several workers at once (a lost race changes nothing).
 */
import { isChannel } from '../connectors/registry.ts';
import { limits } from '../domain/limits.ts';
import { findExpiredOpenPayments, latestAttempt, updateAttempt, type PaymentRecord } from '../store/payments.ts';
import { cancellation } from './cancel-payment.ts';
import { applyOrderState } from './channel-payments.ts';
import { loadAccount } from './confirm-payment.ts';
import { now, type FlowContext } from './context.ts';
import { transitionPayment } from './payment-transitions.ts';

export async function expireAbandonedPayments(context: FlowContext, batchSize: number = limits.sweepBatchSize): Promise<number> {
  const at = now(context);
  const expired = await findExpiredOpenPayments(context.db, at, batchSize);
  let canceled = 0;
  for (const payment of expired) {
    // A provider that cannot be reached now leaves the payment for the next sweep; the others go on.
    if (!(await closedAtProvider(context, payment).catch(() => false))) continue;
    const result = await transitionPayment(context, payment, cancellation('system', 'abandoned', null, at));
    if (result) canceled += 1;
  }
  return canceled;
}

/** True when nothing can be paid at the provider any more; a payment found paid is settled instead. */
async function closedAtProvider(context: FlowContext, payment: PaymentRecord): Promise<boolean> {
  if (payment.status !== 'requires_action') return true;
  const attempt = await latestAttempt(context.db, payment.id, 'authorize');
  if (!attempt || !isChannel(attempt.connector) || attempt.status !== 'requires_action' || !attempt.connector_account_id) return true;
  const connector = context.connectors.channels[attempt.connector];
  const account = await loadAccount(context, attempt.connector_account_id);
  const order = { orderNumber: attempt.provider_idempotency_key, orderCreatedAt: attempt.started_at };
  const closed = await connector.closeOrder(account, order);
  // Closing may not be possible (an order the payer never opened, a channel that only lets orders lapse): the query decides.
  const state = closed.kind === 'closed' ? ({ kind: 'closed' } as const) : await connector.queryOrder(account, order);
  if (state.kind === 'closed' || state.kind === 'not_found') {
    await updateAttempt(
      context.db,
      { id: attempt.id, status: 'failed', provider_reference: attempt.provider_reference, error_code: 'payment_not_completed', decline_code: null, tries: attempt.tries, latency_ms: attempt.latency_ms, completed: true, next_query_at: null },
      now(context),
    );
    return true;
  }
  if (state.kind === 'paid') await applyOrderState(context, attempt, state, { actor: 'system', reason: 'status_query' });
  return false;
}
