/// <reference lib="dom" />
/**
 * Steps that wait on someone else: a QR code the payer scans with their
 * phone, a provider's page the payer was sent to, or a payment the provider
 * has not decided yet. The page polls meanwhile (checkout-page.ts).
 */
import type { PaymentView } from '../flow.ts';
import { safeRedirectUrl } from '../flow.ts';
import { h } from '../dom.ts';
import { formatDateTime } from '../format.ts';
import { label } from '../i18n.ts';
import { qrCodeSvg } from '../qr.ts';
import { actionMethod } from '../state.ts';
import { errorAlert } from '../views.ts';
import { amountText, button, cancelButton, countdown, otherMethodButton, section, statusHeading, tr, type StepContext } from './step-kit.ts';

function methodName(context: StepContext): string {
  return label(context.lang, 'method', actionMethod(context.state) ?? '');
}

export function qrStep(context: StepContext, view: Extract<PaymentView, { kind: 'qr' }>): HTMLElement {
  const method = methodName(context);
  const expired = view.expiresAt !== null && Date.parse(view.expiresAt) <= context.nowMs;
  const retryType = actionMethod(context.state);
  return section(
    statusHeading(tr(context, 'qr.title', { method })),
    countdown(context),
    h('p', null, tr(context, 'qr.intro', { method })),
    h('div', { class: expired ? 'qr-box expired' : 'qr-box' }, qrCodeSvg(view.data, tr(context, 'qr.alt', { amount: amountText(context), method }))),
    expired
      ? [h('p', { class: 'notice', 'data-testid': 'qr-expired' }, tr(context, 'qr.expired')), retryType ? button('qr-refresh', tr(context, 'qr.refresh'), () => context.actions.payWith(retryType)) : null]
      : [
          h('p', { class: 'waiting', 'data-testid': 'qr-waiting' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), tr(context, 'qr.waiting')),
          view.expiresAt ? h('p', { class: 'hint' }, tr(context, 'qr.expiresAt', { time: formatDateTime(view.expiresAt, context.lang) })) : null,
        ],
    errorAlert(context.state.error),
    h('div', { class: 'actions' }, otherMethodButton(context)),
    cancelButton(context),
  );
}

export function redirectStep(context: StepContext, url: string): HTMLElement {
  const method = methodName(context);
  const safe = safeRedirectUrl(url, window.location.href);
  const link = safe ? h('a', { class: 'button', href: safe, id: 'redirect-link', 'data-testid': 'redirect-link' }, tr(context, 'redirect.link', { method })) : null;
  if (context.state.redirecting) {
    return section(statusHeading(tr(context, 'redirect.title', { method })), h('p', { class: 'waiting' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), link));
  }
  return section(
    statusHeading(tr(context, 'redirect.pendingTitle', { method })),
    countdown(context),
    h('p', null, tr(context, 'redirect.pendingIntro', { method })),
    errorAlert(context.state.error),
    h('div', { class: 'actions' }, link, otherMethodButton(context)),
    cancelButton(context),
  );
}

export function processingStep(context: StepContext): HTMLElement {
  return section(
    statusHeading(tr(context, 'processing.title')),
    h('p', { class: 'waiting' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), tr(context, 'processing.intro')),
    context.state.pollGaveUp ? [h('p', null, tr(context, 'processing.slow')), button('check-again', tr(context, 'processing.check'), () => context.actions.checkAgain(), 'secondary')] : null,
    errorAlert(context.state.error),
  );
}
