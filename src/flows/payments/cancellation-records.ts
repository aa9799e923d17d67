/**
 * The cancellation record of a payment about to be canceled, whichever way
 * it is canceled (payer, merchant, expiry, a release at the provider):
 * `transitionPayment` asks for it and writes it in the canceling statement.
 */
import {
  causeRules,
  cancellationCustomerPseudonym,
  countsTowardAbuse,
  detectCancellationCause,
  stageReached,
  timeInCheckoutMs,
  type CancellationEvidence,
  type CancellationSource,
} from '../../domain/insight/cancellation-cause.ts';
import { defaultAbuseSettings } from '../../domain/insight/cancellation-abuse.ts';
import type { Actor, CancellationReason } from '../../domain/payments/payment-state.ts';
import { loadCancellationEvidence, medianTimeToSuccess, type CancellationRecordInput } from '../../store/cancellation-records.ts';
import type { PaymentPatch, PaymentRecord } from '../../store/payments.ts';
import type { FlowContext } from '../context.ts';

export async function cancellationRecordOf(
  context: FlowContext,
  payment: PaymentRecord,
  change: { actor: Actor; patch: PaymentPatch; at: Date },
): Promise<CancellationRecordInput> {
  const evidence = await loadCancellationEvidence(context.db, payment);
  const reason: CancellationReason = change.patch.cancellation_reason ?? payment.cancellation_reason ?? 'other';
  const comment = change.patch.cancellation_comment !== undefined ? change.patch.cancellation_comment : payment.cancellation_comment;
  const source: CancellationSource = change.actor;
  const viewed = evidence.steps.find((step) => step.type === 'checkout_viewed');
  const lastAuthorization = evidence.authorizations.at(-1);
  const facts: CancellationEvidence = {
    canceledAtMs: change.at.getTime(),
    createdAtMs: payment.created_at.getTime(),
    checkoutViewedAtMs: viewed ? viewed.createdAt.getTime() : null,
    statedReason: reason,
    source,
    authorizations: evidence.authorizations,
    priceChangedAtMs: evidence.priceChangedAt ? evidence.priceChangedAt.getTime() : null,
    normalTimeToSuccess: null,
  };
  // The merchant's normal matters only past the shortest bound it can give; most cancellations never need it.
  const inCheckoutMs = timeInCheckoutMs(facts);
  if (inCheckoutMs !== null && inCheckoutMs > causeRules.tooComplicatedFloorMs) {
    facts.normalTimeToSuccess = await medianTimeToSuccess(context.db, payment.merchant_id, payment.mode);
  }
  const detectedCause = detectCancellationCause(facts);
  const customer = payment.customer_id ? cancellationCustomerPseudonym(payment.merchant_id, payment.customer_id, context.keys.customerPseudonym) : null;
  const counts = countsTowardAbuse(source, reason);
  return {
    amount: payment.amount,
    currency: payment.currency,
    paymentMethodType: lastAuthorization?.paymentMethodType ?? (payment.payment_method as { type?: string } | null)?.type ?? null,
    connector: lastAuthorization?.connector ?? null,
    connectorAccountId: lastAuthorization?.connectorAccountId ?? null,
    stage: stageReached(
      evidence.steps.map((step) => step.type),
      payment.status,
      evidence.authorizations.some((a) => a.status === 'succeeded'),
    ),
    reason,
    comment,
    source,
    detectedCause,
    customer,
    countsTowardAbuse: counts,
    paymentCreatedAt: payment.created_at,
    abuse: payment.customer_id && counts ? { customerId: payment.customer_id, defaults: defaultAbuseSettings } : null,
  };
}
