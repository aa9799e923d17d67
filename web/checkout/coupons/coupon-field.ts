/// <reference lib="dom" />
/**
 * The coupon field of the pay step: a folded link ("Have a coupon code?")
 * that opens a code input and an Apply button; once a coupon is on the
 * payment, the original price, the discount and what remains to pay, shown
 * before the payer confirms, with a way to remove it. A coupon error is the
 * API's message and suggestion, in the page's language, under the field.
 */
import { h } from '../dom.ts';
import { formatAmount } from '../format.ts';
import { button, tr, type StepContext } from '../steps/step-kit.ts';
import { errorAlert } from '../views.ts';

export function couponField(context: StepContext): HTMLElement {
  const { payment, coupon } = context.state;
  const code = payment.coupon ?? null;
  if (code !== null) return appliedCoupon(context, code);
  if (!coupon.open) {
    return h(
      'div',
      { class: 'coupon' },
      h('button', {
        type: 'button', class: 'button link', id: 'coupon-open', 'data-testid': 'coupon-open', 'data-action': '', 'aria-expanded': 'false',
        onclick: () => context.actions.openCoupon(),
      }, tr(context, 'coupon.open')),
    );
  }
  const input = h('input', {
    type: 'text', id: 'coupon-input', 'data-testid': 'coupon-input', name: 'coupon', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    maxlength: 40, value: context.drafts.coupon, 'aria-describedby': 'coupon-input-error coupon-error',
    'aria-invalid': coupon.error ? 'true' : 'false',
    oninput: (event) => {
      context.drafts.coupon = (event.target as HTMLInputElement).value;
    },
    onkeydown: (event) => {
      // Enter applies the code; it must not submit the pay form around it.
      if ((event as KeyboardEvent).key !== 'Enter') return;
      event.preventDefault();
      context.actions.applyCoupon(context.drafts.coupon);
    },
  });
  return h(
    'div',
    { class: 'coupon open', id: 'coupon-panel' },
    h('div', { class: 'field' }, h('label', { for: 'coupon-input' }, tr(context, 'coupon.label')), h('div', { class: 'coupon-row' }, input, button('coupon-apply', tr(context, 'coupon.apply'), () => context.actions.applyCoupon(context.drafts.coupon), 'secondary')), h('p', { class: 'field-error', id: 'coupon-input-error', hidden: true })),
    errorAlert(coupon.error, 'coupon-error'),
  );
}

function appliedCoupon(context: StepContext, code: string): HTMLElement {
  const { payment } = context.state;
  const money = (minor: number) => formatAmount(minor, payment.currency, context.lang);
  const original = payment.amount_original ?? payment.amount;
  const discount = payment.amount_discount ?? 0;
  return h(
    'div',
    { class: 'coupon applied', 'data-testid': 'coupon-applied' },
    h(
      'dl',
      { class: 'details coupon-summary' },
      h('div', null, h('dt', null, tr(context, 'coupon.original')), h('dd', { 'data-testid': 'coupon-original' }, money(original))),
      h('div', null, h('dt', null, tr(context, 'coupon.discount', { code })), h('dd', { 'data-testid': 'coupon-discount' }, `−${money(discount)}`)),
      h('div', { class: 'coupon-due' }, h('dt', null, tr(context, 'coupon.due')), h('dd', { 'data-testid': 'coupon-due' }, money(payment.amount))),
    ),
    button('coupon-remove', tr(context, 'coupon.remove'), () => context.actions.applyCoupon(''), 'link'),
  );
}

/** The discount line of the result page and the order summary: "Coupon SAVE10 −¥2.00", or nothing. */
export function discountRow(context: StepContext): [string, string, string] | null {
  const { payment } = context.state;
  if (!payment.coupon || !payment.amount_discount) return null;
  return [tr(context, 'coupon.discount', { code: payment.coupon }), `−${formatAmount(payment.amount_discount, payment.currency, context.lang)}`, 'result-discount'];
}
