/// <reference lib="dom" />
/**
 * Choosing a method and paying with it: the methods as a cashier lists them
 * (mark and name, most likely first), the chosen method's own part (card
 * fields, the wallet's PIN, a word on where a provider takes the payer), and
 * the Pay button, which stays at the bottom of a phone's screen.
 */
import { cardBrand } from '../../../src/domain/payments/card.ts';
import type { MethodType } from '../api-types.ts';
import { cardForm } from '../card-form.ts';
import { h, type Child } from '../dom.ts';
import { label } from '../i18n.ts';
import { methodMark } from '../marks.ts';
import { errorAlert } from '../views.ts';
import { walletForm } from '../wallet-form.ts';
import { formatAmount } from '../format.ts';
import { amountDueText, button, cancelButton, countdown, tr, type StepContext } from './step-kit.ts';
import { couponField } from '../coupons/coupon-field.ts';
import { presentationOf } from '../../../src/domain/experiments/checkout-presentation.ts';
import { cardContinueText, payButtonText } from '../experiments/presentation-texts.ts';

export const qrMethods: readonly MethodType[] = ['alipay', 'wechat_pay'];
/** Wrong PINs in a row before the wallet locks (API.md); fewer remaining means some were already used. */
const walletPinAttemptsMax = 5;

/** The name a method is listed by: "Bank card" when it stands for cards and UnionPay together. */
function methodName(context: StepContext, method: MethodType): string {
  if (method === 'card' && unionPayOffered(context)) return tr(context, 'method.bankCard');
  return label(context.lang, 'method', method);
}

function unionPayOffered(context: StepContext): boolean {
  return context.state.session.methods.includes('unionpay') && context.state.methods.includes('card');
}

function methodChoice(context: StepContext, method: MethodType): HTMLElement {
  const wallet = method === 'wallet' ? context.state.session.wallet : null;
  const note = wallet?.covers ? h('span', { class: 'method-hint' }, tr(context, 'method.walletCovers')) : null;
  return h(
    'label',
    { class: 'method', for: `method-${method}` },
    h('input', {
      type: 'radio', name: 'method', value: method, id: `method-${method}`, 'data-testid': `method-${method}`, 'data-action': '', checked: method === context.state.method,
      onchange: () => context.actions.chooseMethod(method),
    }),
    methodMark(method),
    h('span', { class: 'method-name' }, methodName(context, method)),
    method === 'card' && unionPayOffered(context) ? h('span', { class: 'method-marks' }, methodMark('unionpay')) : null,
    note,
  );
}

/**
 * Under the card fields when UnionPay is offered too: UnionPay's own page.
 * It says so plainly once the number typed is a UnionPay card's (followed on
 * each keystroke here, without re-drawing the card fields).
 */
function unionPayOption(context: StepContext, cardFields: HTMLElement): HTMLElement {
  const hint = h('p', { class: 'hint', id: 'unionpay-hint' });
  const option = h('div', { class: 'unionpay-option', 'data-testid': 'unionpay-option' }, hint, button('method-unionpay', tr(context, 'card.unionPayPage'), () => context.actions.payWith('unionpay'), 'secondary'));
  const follow = () => {
    const detected = cardBrand(context.drafts.card.number.replace(/\D/g, '')) === 'unionpay';
    option.classList.toggle('detected', detected);
    hint.textContent = tr(context, detected ? 'card.unionPayDetected' : 'card.unionPayToo');
  };
  cardFields.addEventListener('input', follow);
  follow();
  return option;
}

function details(context: StepContext): { details: Child; canPay: boolean; submitId: string } {
  const { state, lang, actions } = context;
  const method = state.method;
  if (method === 'card' && !state.cardDetailsOpen) {
    // The two-step card form: the payer says they go on with the card before seeing its fields.
    actions.cardFormShown(null);
    return { details: button('card-continue', cardContinueText(lang), () => actions.openCardDetails()), canPay: false, submitId: 'pay-button' };
  }
  if (method === 'card') {
    const form = cardForm(context.drafts.card, lang, () => context.nowMs);
    actions.cardFormShown(form);
    return { details: [form.element, unionPayOffered(context) ? unionPayOption(context, form.element) : null], canPay: true, submitId: 'pay-button' };
  }
  actions.cardFormShown(null);
  if (method === 'wallet') {
    const remaining = state.session.wallet?.pin.attempts_remaining;
    const wallet = walletForm({
      wallet: state.session.wallet,
      currency: state.payment.currency,
      lang,
      pin: context.drafts.pin,
      attemptsRemaining: state.pinAttemptsRemaining ?? (typeof remaining === 'number' && remaining < walletPinAttemptsMax ? remaining : null),
      lockedUntil: state.walletLockedUntil,
      nowMs: context.nowMs,
      onPinChange: (pin) => {
        context.drafts.pin = pin;
      },
      isBusy: () => actions.isBusy(),
    });
    return { details: wallet.element, canPay: wallet.canPay, submitId: 'pin-submit' };
  }
  if (method) {
    const name = label(lang, 'method', method);
    return { details: h('p', { class: 'method-note' }, tr(context, qrMethods.includes(method) ? 'method.qrNote' : 'method.redirectNote', { method: name })), canPay: true, submitId: 'pay-button' };
  }
  return { details: null, canPay: false, submitId: 'pay-button' };
}

/** "Use 500 points (−¥5.00)", the balance and its value, and what remains to pay. */
function pointsBox(context: StepContext): HTMLElement | null {
  const points = context.state.session.points;
  if (!points || points.usable <= 0) return null;
  const { currency } = context.state.payment;
  const money = (amount: number) => formatAmount(amount, currency, context.lang);
  return h(
    'fieldset',
    { class: 'points', 'data-testid': 'points' },
    h('legend', null, tr(context, 'points.legend')),
    h('p', { class: 'hint', 'data-testid': 'points-balance' }, tr(context, 'points.balance', { points: points.balance, value: money(points.balance_value) })),
    h(
      'label',
      { class: 'points-toggle', for: 'use-points' },
      h('input', {
        type: 'checkbox', id: 'use-points', 'data-testid': 'use-points', 'data-action': '', checked: context.drafts.usePoints,
        onchange: (event: Event) => context.actions.usePoints((event.target as HTMLInputElement).checked),
      }),
      h('span', null, tr(context, 'points.use', { points: points.usable, value: money(points.usable_value) })),
    ),
    h('p', { class: 'points-due', 'data-testid': 'points-due', 'aria-live': 'polite' }, tr(context, 'points.due', { amount: amountDueText(context) })),
  );
}

export function payStep(context: StepContext): HTMLElement {
  const { details: chosen, canPay, submitId } = details(context);
  const submit = canPay
    ? h(
        'div',
        { class: 'pay-bar' },
        h('button', { type: 'submit', class: 'button pay', id: submitId, 'data-testid': submitId, 'data-action': '', 'data-busy-label': tr(context, 'pay.busy') }, payButtonText(context.lang, presentationOf(context.state.session.presentation).pay_button_label, amountDueText(context))),
      )
    : null;
  const form = h(
    'form',
    {
      novalidate: true,
      class: 'pay-form',
      onsubmit: (event) => {
        event.preventDefault();
        context.actions.submitPay();
      },
    },
    pointsBox(context),
    h('fieldset', { class: 'methods' }, h('legend', null, tr(context, 'method.legend')), context.state.methods.map((method) => methodChoice(context, method))),
    h('div', { class: 'method-details' }, chosen),
    couponField(context),
    errorAlert(context.state.error),
    submit,
  );
  return h('section', { class: 'step' }, countdown(context), form, cancelButton(context));
}
