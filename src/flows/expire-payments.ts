/**
 * No payment stays open for ever: one that nobody paid by its `expires_at`
 * is canceled as abandoned. Run by the worker; safe to run from several
 * workers at once (a lost race changes nothing).
 */
import { limits } from '../domain/limits.ts';
import { findExpiredOpenPayments } from '../store/payments.ts';
import { cancellation } from './cancel-payment.ts';
import { now, type FlowContext } from './context.ts';
import { transitionPayment } from './payment-transitions.ts';

export async function expireAbandonedPayments(context: FlowContext, batchSize: number = limits.sweepBatchSize): Promise<number> {
  const at = now(context);
  const expired = await findExpiredOpenPayments(context.db, at, batchSize);
  let canceled = 0;
  for (const payment of expired) {
    const result = await transitionPayment(context, payment, cancellation('system', 'abandoned', null, at));
    if (result) canceled += 1;
  }
  return canceled;
}
