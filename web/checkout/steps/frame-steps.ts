/// <reference lib="dom" />
/**
 * What surrounds the steps: the summary at the top (merchant, amount, order),
 * and the two pages before there is a payment to show: loading, and a page
 * that could not open.
 */
import { h } from '../dom.ts';
import { t, type Lang } from '../i18n.ts';
import type { ShownError } from '../present.ts';
import type { View } from '../state.ts';
import { errorAlert, itemsList } from '../views.ts';
import { amountText, tr, type StepContext } from './step-kit.ts';

export function summary(context: StepContext, view: View): HTMLElement {
  const { payment, session } = context.state;
  const merchant = session.merchant.name || tr(context, 'page.checkout');
  const over = view.kind === 'succeeded' || view.kind === 'canceled';
  const description = payment.order?.description ?? payment.description;
  return h(
    'section',
    { class: 'summary', 'aria-labelledby': 'page-heading' },
    h('h1', { id: 'page-heading', tabindex: -1 }, tr(context, 'checkout.heading', { merchant })),
    h('p', { class: 'amount-label' }, over ? tr(context, 'field.amount') : tr(context, 'checkout.amountDue')),
    h('p', { class: 'amount', 'data-testid': 'amount' }, amountText(context)),
    payment.order?.reference ? h('p', { class: 'reference' }, tr(context, 'checkout.orderReference', { reference: payment.order.reference })) : null,
    description ? h('p', { class: 'description' }, description) : null,
    itemsList(payment.order?.items, payment.currency, context.lang),
  );
}

export function loadingStep(lang: Lang): HTMLElement {
  return h('section', { class: 'step', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t(lang, 'loading')));
}

export function fatalStep(lang: Lang, error: ShownError, retry: (() => void) | null): HTMLElement {
  return h(
    'section',
    { class: 'step' },
    h('h1', { id: 'step-heading', tabindex: -1, 'data-testid': 'status-title' }, t(lang, 'error.heading')),
    errorAlert(error),
    retry ? h('button', { type: 'button', class: 'button', id: 'retry-button', 'data-testid': 'retry-button', onclick: retry }, t(lang, 'retry')) : null,
  );
}
