/// <reference lib="dom" />
/**
 * The end of a checkout: paid (or authorized), canceled, expired. Each leads
 * back to the merchant. The payer is asked to rate paying only when paying
 * was theirs to judge: after success, or after canceling it themselves.
 */
import { h } from '../dom.ts';
import { formatAmount, formatDateTime } from '../format.ts';
import { discountRow } from '../coupons/coupon-field.ts';
import { safeRedirectUrl } from '../flow.ts';
import { label } from '../i18n.ts';
import { describeMethod } from '../present.ts';
import { cancellationSpeaker } from '../state.ts';
import { detailsList, errorAlert } from '../views.ts';
import { supportText } from '../support-texts.ts';
import { ratingForm } from './rating-form.ts';
import { amountText, backToMerchant, section, statusHeading, tr, type StepContext } from './step-kit.ts';

export function resultStep(context: StepContext, authorizedOnly: boolean): HTMLElement {
  const { payment, session } = context.state;
  const orderUrl = session.order_url ? safeRedirectUrl(session.order_url, window.location.href) : null;
  return section(
    statusHeading(tr(context, authorizedOnly ? 'result.authorized' : 'result.succeeded'), 'result-title'),
    authorizedOnly ? h('p', null, tr(context, 'result.authorizedNote')) : null,
    detailsList([
      [tr(context, 'field.orderNumber'), payment.order?.reference || payment.id, 'result-order-number'],
      ...(discountRow(context) ? [[tr(context, 'coupon.original'), formatAmount(context.state.payment.amount_original ?? context.state.payment.amount, context.state.payment.currency, context.lang), 'result-original'] as [string, string, string], discountRow(context)!] : []),
      [tr(context, 'field.amount'), amountText(context), 'result-amount'],
      ...pointsUsed(context),
      [tr(context, 'field.method'), describeMethod(payment.payment_method, context.lang), 'result-method'],
      [tr(context, 'field.time'), formatDateTime(payment.updated_at, context.lang), 'result-time'],
    ]),
    pointsEarned(context),
    backToMerchant(context),
    orderUrl ? h('p', null, h('a', { href: orderUrl, class: 'button secondary', id: 'order-link', 'data-testid': 'order-link' }, tr(context, 'result.orderLink'))) : null,
    // Help (the FAQ and questions to the merchant) lives on the order page, which the payer keeps a link to.
    orderUrl ? h('p', null, h('a', { href: `${orderUrl}#support`, 'data-testid': 'help-link' }, supportText(context.lang, 'helpLink'))) : null,
    payment.status === 'succeeded' ? ratingForm(context) : null,
  );
}

/** The points the payment used, as a line of the details. */
function pointsUsed(context: StepContext): [string, string, string][] {
  const points = context.state.payment.points;
  if (!points || points.redeemed <= 0) return [];
  const value = formatAmount(points.value, context.state.payment.currency, context.lang);
  return [[tr(context, 'field.points'), tr(context, 'points.used', { points: points.redeemed, value }), 'result-points-used']];
}

/** "You earned 50 points." once the payment succeeded. */
function pointsEarned(context: StepContext): HTMLElement | null {
  const earned = context.state.payment.points?.earned ?? 0;
  if (earned <= 0 || context.state.payment.status !== 'succeeded') return null;
  return h('p', { class: 'points-earned', 'data-testid': 'points-earned' }, tr(context, 'result.pointsEarnedShort', { points: earned }));
}

export function canceledStep(context: StepContext, expired: boolean): HTMLElement {
  const { payment, session } = context.state;
  const speaker = cancellationSpeaker(context.state, expired);
  const reason = payment.cancellation_reason;
  const merchant = session.merchant.name || tr(context, 'nps.merchantFallback');
  const heading = speaker === 'expired' ? 'result.expired' : 'result.canceled';
  const note = speaker === 'expired' ? 'result.expiredNote' : speaker === 'merchant' ? 'result.canceledByMerchant' : 'result.canceledNote';
  return section(
    statusHeading(tr(context, heading)),
    h('p', { 'data-testid': 'canceled-note' }, tr(context, note, { merchant })),
    speaker === 'payer' && reason ? h('p', { 'data-testid': 'cancellation-reason' }, tr(context, 'result.canceledReason', { reason: label(context.lang, 'reason', reason) })) : null,
    errorAlert(context.state.error),
    backToMerchant(context),
    payment.status === 'canceled' && speaker === 'payer' ? ratingForm(context) : null,
  );
}
