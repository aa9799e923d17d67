/**
 * What the hosted checkout asks the API for, beyond the payment itself: the
 * merchant's name, the methods to offer and the one to preselect, the
 * wallet's balance inquiry, and the payer's rating once it is over.
 */
import { PaymentError } from '../../domain/errors.ts';
import { isLocale, type Locale } from '../../domain/locale.ts';
import type { CancellationReason } from '../../domain/payments/payment-state.ts';
import { findMerchant } from '../../store/merchants.ts';
import { findFeedback, lastMethodOfCustomer, saveFeedback } from '../../store/orders.ts';
import type { PaymentRecord } from '../../store/payments.ts';
import { now, type FlowContext } from '../context.ts';
import { deviceClassOf, type ClientFunnelStep } from '../../domain/insight/funnel.ts';
import { limits } from '../../domain/limits.ts';
import { insertClientFunnelStep, listFunnelSteps } from '../../store/funnel.ts';
import { orderPageUrl } from '../notifications/notify-payer.ts';
import { walletInquiry } from '../wallet/wallet.ts';
import { pointsInquiry } from '../loyalty/points-inquiry.ts';
import { checkoutAssignment, checkoutPresentation } from '../experiments/checkout-variant.ts';

/** What a payer may give as a reason; `abandoned` and `fraudulent` are the system's and the merchant's to say. */
export const payerCancellationReasons = [
  'requested_by_customer',
  'price_changed',
  'too_complicated',
  'payment_method_unavailable',
  'network_issue',
  'quality_concern',
  'duplicate',
  'other',
] as const satisfies readonly CancellationReason[];

/** `payerId`: the first-party id the checkout keeps in the browser, which assigns a payer without a customer to an experiment's variant. */
export async function checkoutSession(context: FlowContext, payment: PaymentRecord, payerId?: string) {
  const merchant = await findMerchant(context.db, payment.merchant_id);
  const customer = payment.customer_id
    ? await context.db.selectFrom('customers').select(['id', 'locale']).where('merchant_id', '=', payment.merchant_id).where('id', '=', payment.customer_id).executeTakeFirst()
    : undefined;
  // The wallet needs the customer whose wallet it is.
  const methods = payment.payment_method_types.filter((type) => type !== 'wallet' || customer !== undefined);
  const last = customer ? await lastMethodOfCustomer(context.db, { merchantId: payment.merchant_id, mode: payment.mode }, customer.id) : null;
  const wallet = methods.includes('wallet') ? await walletInquiry(context, payment) : null;
  const feedback = await findFeedback(context.db, payment.merchant_id, payment.id);
  const points = await pointsInquiry(context, payment);
  const shown = await checkoutPresentation(context, payment, payerId);
  return {
    object: 'checkout' as const,
    merchant: { name: merchant?.name ?? '' },
    customer_locale: customer && isLocale(customer.locale) ? (customer.locale as Locale) : null,
    methods,
    preselected_method: last && methods.includes(last) ? last : null,
    wallet: wallet && { available: wallet.available, covers: wallet.covers, shortfall: wallet.shortfall, pin: wallet.pin },
    points,
    cancellation_reasons: [...payerCancellationReasons],
    order_url: payment.status === 'succeeded' ? orderPageUrl(context, payment.id) : null,
    // An NPS answer from an emailed survey alone is not a rating: the payer may still rate the checkout.
    feedback: feedback && feedback.rating !== null ? { rating: feedback.rating, comment: feedback.comment, nps_score: feedback.nps_score } : null,
    presentation: shown.presentation,
    experiment: shown.experiment,
  };
}

/** The payer's rating of the payment (and, optionally, the NPS answer), once it is over; the first answer to each stands. */
export async function rateCheckout(context: FlowContext, payment: PaymentRecord, input: { rating: number; comment?: string; nps_score?: number }) {
  if (payment.status !== 'succeeded' && payment.status !== 'canceled') {
    throw new PaymentError('payment_unexpected_state', { paymentId: payment.id, details: { status: payment.status, action: 'rated' } });
  }
  const saved = await saveFeedback(context.db, {
    paymentId: payment.id,
    merchantId: payment.merchant_id,
    rating: input.rating,
    comment: input.comment?.trim() || null,
    npsScore: input.nps_score ?? null,
    now: now(context),
  });
  return { object: 'feedback' as const, payment: payment.id, rating: saved?.rating ?? input.rating, comment: saved?.comment ?? null, nps_score: saved?.nps_score ?? null };
}

/**
 * A step only the payer's browser sees (viewing the checkout, choosing a
 * method). Bounded per payment, so a looping page cannot fill the table.
 *
 * `checkout_viewed` with the experiment and variant the page drew is the
 * payer's exposure: recorded with the step when the server assigns this
 * payer that same variant of the experiment running now (what the page
 * says it drew is never trusted alone).
 */
export async function recordCheckoutStep(
  context: FlowContext,
  payment: PaymentRecord,
  step: { type: ClientFunnelStep; payment_method_type?: string; locale?: string; payer_id?: string; experiment?: string; variant?: string },
  userAgent: string | undefined,
): Promise<{ object: 'funnel_event'; type: ClientFunnelStep; recorded: boolean }> {
  const count = await context.db
    .selectFrom('funnel_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('merchant_id', '=', payment.merchant_id)
    .where('payment_id', '=', payment.id)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= limits.funnelStepsPerPaymentMax) return { object: 'funnel_event', type: step.type, recorded: false };
  const method = step.payment_method_type && payment.payment_method_types.includes(step.payment_method_type) ? step.payment_method_type : null;
  const assignment = step.type === 'checkout_viewed' && step.experiment ? await checkoutAssignment(context, payment, step.payer_id) : null;
  const exposed = assignment !== null && assignment.experimentId === step.experiment && assignment.variantKey === step.variant;
  await insertClientFunnelStep(
    context.db,
    payment,
    {
      type: step.type,
      paymentMethodType: method,
      deviceClass: deviceClassOf(userAgent),
      locale: step.locale && isLocale(step.locale) ? step.locale : null,
      now: now(context),
    },
    exposed ? { experimentId: assignment.experimentId, variantKey: assignment.variantKey, payerKey: assignment.payerKey } : null,
  );
  return { object: 'funnel_event', type: step.type, recorded: true };
}

export async function funnelOfPayment(context: FlowContext, payment: PaymentRecord) {
  const steps = await listFunnelSteps(context.db, payment.merchant_id, payment.id, limits.funnelStepsPerPaymentMax * 2);
  return {
    object: 'list' as const,
    data: steps.map((step) => ({ object: 'funnel_event' as const, ...step, created_at: step.created_at.toISOString() })),
    has_more: false,
  };
}
