/// <reference lib="dom" />
/**
 * What every step of the checkout is drawn from (the state, the language,
 * the clock, what the payer has typed, the actions it may take) and the
 * pieces several steps share: headings, buttons, the cancel link, the
 * countdown and the way back to the merchant.
 */
import { isCancelable } from '../../../src/domain/payments/payment-state.ts';
import type { MethodType } from '../api-types.ts';
import type { CardDraft, CardForm } from '../card-form.ts';
import { h, type Child } from '../dom.ts';
import { formatAmount } from '../format.ts';
import { t, type Lang, type MessageKey } from '../i18n.ts';
import type { Rating, Ready } from '../state.ts';

/** What the payer has typed and not yet sent: kept by the page, so a re-render (a language switch) loses nothing. */
export interface Drafts {
  card: CardDraft;
  pin: string;
  otp: string;
  /** The payer ticked "use points" (loyalty); off until they do. */
  usePoints: boolean;
  coupon: string;
}

export interface Actions {
  isBusy(): boolean;
  chooseMethod(method: MethodType): void;
  /** Ticks or unticks "use points"; the amount to pay follows. */
  usePoints(on: boolean): void;
  /** The pay form's submit, for the chosen method. */
  submitPay(): void;
  /** Pays with `method` and nothing else typed (a QR code's refresh, UnionPay's page). */
  payWith(method: MethodType): void;
  submitOtp(): void;
  chooseAnother(): void;
  openCancel(): void;
  checkAgain(): void;
  cardFormShown(form: CardForm | null): void;
  /** Rating choices as the payer makes them; no re-render. */
  rate(patch: Partial<Rating>): void;
  submitRating(): void;
  submitNps(): void;
  openCoupon(): void;
  /** The two-step card form's Continue: shows the card fields. */
  openCardDetails(): void;
  /** Applies the code typed, or with '' removes the payment's coupon. */
  applyCoupon(code: string): void;
}

export interface StepContext {
  state: Ready;
  lang: Lang;
  nowMs: number;
  drafts: Drafts;
  /** Where "back to the merchant" leads, when known. */
  returnUrl: string | null;
  actions: Actions;
}

export function tr(context: StepContext, key: MessageKey, params?: Record<string, string | number>): string {
  return t(context.lang, key, params);
}

export function section(...children: Child[]): HTMLElement {
  return h('section', { class: 'step', 'aria-labelledby': 'step-heading' }, children);
}

export function statusHeading(text: string, testId = 'status-title'): HTMLElement {
  return h('h2', { id: 'step-heading', tabindex: -1, 'data-testid': testId }, text);
}

export function button(id: string, text: string, onclick: () => void, variant: 'primary' | 'secondary' | 'link' = 'primary'): HTMLButtonElement {
  return h('button', { type: 'button', id, 'data-testid': id, 'data-action': '', class: variant === 'primary' ? 'button' : `button ${variant}`, onclick }, text);
}

export function amountText(context: StepContext): string {
  return formatAmount(context.state.payment.amount, context.state.payment.currency, context.lang);
}

/** What the Pay button asks for: the amount less the points' value when the payer uses them. */
export function amountDueText(context: StepContext): string {
  const points = context.state.session.points;
  if (!points || context.state.payment.status === 'succeeded') return amountText(context);
  const due = context.drafts.usePoints && points.usable > 0 ? points.amount_due_with_points : points.amount_original;
  return formatAmount(due, context.state.payment.currency, context.lang);
}

export function cancelButton(context: StepContext): HTMLElement | null {
  const status = context.state.payment.status;
  if (!isCancelable(status) || status === 'requires_capture' || context.state.redirecting) return null;
  return h('div', { class: 'cancel-row' }, button('cancel-button', tr(context, 'cancel.button'), () => context.actions.openCancel(), 'link'));
}

/** "Another method" on a step that waits on a provider, when there is another to choose. */
export function otherMethodButton(context: StepContext): HTMLElement | null {
  return context.state.methods.length > 1 ? button('other-method', tr(context, 'method.other'), () => context.actions.chooseAnother(), 'secondary') : null;
}

/** Whole seconds left before `expiresAt`; null when unknown or unreadable. */
export function secondsLeft(expiresAt: string | null, nowMs: number): number | null {
  if (!expiresAt) return null;
  const expiresMs = Date.parse(expiresAt);
  return Number.isNaN(expiresMs) ? null : Math.max(0, Math.ceil((expiresMs - nowMs) / 1000));
}

/** 29:41, or 1:05:00 past an hour. */
export function clockText(seconds: number): string {
  const two = (value: number) => String(value).padStart(2, '0');
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds % 60)}` : `${minutes}:${two(seconds % 60)}`;
}

/** Countdowns further away than this show no clock: a payment open for days needs no seconds ticking. */
const countdownShownBelowSeconds = 24 * 60 * 60;

/**
 * "Pay within 29:41": the page ticks it every second (data-expires-at). Not a
 * live region, so a screen reader is not told every second; its text is there
 * when read.
 */
export function countdown(context: StepContext): HTMLElement | null {
  const expiresAt = context.state.payment.expires_at;
  const seconds = secondsLeft(expiresAt, context.nowMs);
  if (seconds === null || seconds <= 0 || seconds >= countdownShownBelowSeconds) return null;
  return h(
    'p',
    { class: 'countdown', 'data-testid': 'countdown', 'data-expires-at': expiresAt, 'data-template': tr(context, 'checkout.payWithin', { time: '{time}' }) },
    tr(context, 'checkout.payWithin', { time: clockText(seconds) }),
  );
}

/** The way back to the merchant on a finished page: its return_url; without one, a word that the page may be closed. */
export function backToMerchant(context: StepContext): HTMLElement {
  const merchant = context.state.session.merchant.name || tr(context, 'nps.merchantFallback');
  if (!context.returnUrl) return h('p', { class: 'hint', 'data-testid': 'close-hint' }, tr(context, 'result.closeHint', { merchant }));
  return h('p', { class: 'back-row' }, h('a', { href: context.returnUrl, class: 'button', id: 'return-to-merchant', 'data-testid': 'return-to-merchant' }, tr(context, 'result.backTo', { merchant })));
}
