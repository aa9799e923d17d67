/// <reference lib="dom" />
/**
 * The payer's order page (/orders/:id?token=…): what was bought and paid,
 * the order's progress, the payer's after-sales requests and, while the
 * order allows it, a form to ask for a refund, an exchange or a repair; then
 * help (the merchant's FAQ, questions to the merchant and their threads) and,
 * from a survey email's link, the NPS question. No
 * Authorization header: the token in the page's own URL opens this order alone.
 */
import { ApiError, IdempotencyKeys, apiClient, type ApiClient } from './api.ts';
import { afterSalesKinds, type AfterSalesKind, type AfterSalesRequest, type Order } from './api-types.ts';
import { h, replaceChildren } from './dom.ts';
import { formatAmount, formatDateTime } from './format.ts';
import { label, t, type Lang, type MessageKey } from './i18n.ts';
import { afterSalesReasonLengthMax, parseAmountInput } from './input-rules.ts';
import { payerFacingError } from './page-errors.ts';
import { afterSalesBadgeKey, describeMethod, orderStatusKey, shownError, type ShownError } from './present.ts';
import { languageStorageKey, writeSession } from './storage.ts';
import { SupportPanel } from './support-panel.ts';
import { SurveyPanel, surveyLinkOf } from './survey-panel.ts';
import { applyLanguage, buildFrame, detailsList, errorAlert, itemsList, type Frame } from './views.ts';
import { currencyExponent, formatDecimal, isCurrency } from '../../src/domain/money.ts';

export interface OrderOptions {
  body: HTMLElement;
  paymentId: string;
  token: string | null;
  lang: Lang;
  langChosen: boolean;
}

interface Draft {
  kind: AfterSalesKind;
  reason: string;
  amount: string;
}

export function startOrderPage(options: OrderOptions): void {
  new OrderPage(options).start();
}

class OrderPage {
  private lang: Lang;
  private langChosen: boolean;
  private readonly options: OrderOptions;
  private readonly frame: Frame;
  private readonly api: ApiClient;
  private readonly keys = new IdempotencyKeys();
  private order: Order | null = null;
  private fatal: { error: ShownError; retry: boolean } | null = null;
  private draft: Draft = { kind: 'refund', reason: '', amount: '' };
  private busy = false;
  private error: ShownError | null = null;
  private sent = false;
  private readonly support: SupportPanel;
  private readonly survey: SurveyPanel | null;

  constructor(options: OrderOptions) {
    this.options = options;
    this.lang = options.lang;
    this.langChosen = options.langChosen;
    this.frame = buildFrame(options.body, this.lang, (lang) => this.changeLanguage(lang));
    this.api = apiClient({ authorization: null, lang: () => this.lang });
    this.support = new SupportPanel(this.api, (suffix, query) => `${this.path(suffix)}${query ? `&${new URLSearchParams(query).toString()}` : ''}`, this.lang);
    const link = surveyLinkOf(window.location.search);
    this.survey = link ? new SurveyPanel(this.api, link, this.lang) : null;
  }

  start(): void {
    applyLanguage(this.lang, this.tr('page.order'));
    if (!this.options.token) {
      this.fatal = { error: { code: 'missing_token', message: this.tr('error.badOrderLink'), suggestion: this.tr('error.badOrderLinkSuggestion'), detail: null }, retry: false };
      this.render();
      return;
    }
    this.render();
    void this.load();
  }

  private tr(key: MessageKey, params?: Record<string, string | number>): string {
    return t(this.lang, key, params);
  }

  private path(suffix = ''): string {
    return `/v1/orders/${encodeURIComponent(this.options.paymentId)}${suffix}?token=${encodeURIComponent(this.options.token ?? '')}`;
  }

  private async load(): Promise<void> {
    try {
      this.order = await this.api.get<Order>(this.path());
      this.fatal = null;
      if (!this.langChosen && this.order.customer_locale && this.order.customer_locale !== this.lang) {
        this.lang = this.order.customer_locale;
        this.frame.showLanguage(this.lang);
      }
      this.support.setLanguage(this.lang, false);
      await Promise.all([this.support.load(), this.survey?.load()]);
    } catch (error) {
      this.fatal = { error: payerFacingError(error, this.lang, 'order') ?? shownError(error, this.lang), retry: !(error instanceof ApiError && error.status < 500 && error.status !== 429) };
    }
    this.render();
  }

  private changeLanguage(lang: Lang): void {
    this.lang = lang;
    this.langChosen = true;
    writeSession(languageStorageKey, lang);
    this.support.setLanguage(lang);
    this.survey?.setLanguage(lang);
    this.render();
  }

  private remaining(): number {
    return this.order ? Math.max(0, this.order.amount - this.order.amount_refunded) : 0;
  }

  private async submit(): Promise<void> {
    const order = this.order;
    if (!order || this.busy) return;
    const reason = this.draft.reason.trim();
    let problem: [string, string] | null = null;
    let amount: number | null = null;
    if (this.draft.kind === 'refund') {
      const parsed = parseAmountInput(this.draft.amount, order.currency, this.remaining());
      if (parsed.ok) amount = parsed.minor;
      else problem = ['after-sales-amount', this.amountProblem(parsed.problem, order)];
    }
    if (reason.length === 0) problem = ['after-sales-reason', this.tr('afterSales.reasonRequired')];
    for (const id of ['after-sales-reason', 'after-sales-amount']) this.showProblem(id, problem && problem[0] === id ? problem[1] : null);
    if (problem) {
      document.getElementById(problem[0])?.focus();
      return;
    }
    const body: Record<string, unknown> = { kind: this.draft.kind, reason: reason.slice(0, afterSalesReasonLengthMax) };
    if (amount !== null) body.amount = amount;
    const signature = JSON.stringify(body);
    const key = this.keys.keyFor(signature);
    this.busy = true;
    this.error = null;
    this.sent = false;
    const button = document.getElementById('after-sales-submit') as HTMLButtonElement | null;
    if (button) button.disabled = true;
    let focusId = 'after-sales-sent';
    try {
      const created = await this.api.post<AfterSalesRequest>(this.path('/after_sales_requests'), body, key);
      this.keys.settle(signature, key, null);
      order.after_sales_requests = [...order.after_sales_requests.filter((request) => request.id !== created.id), created];
      this.draft = { kind: this.draft.kind, reason: '', amount: '' };
      this.sent = true;
    } catch (error) {
      this.keys.settle(signature, key, error);
      this.error = shownError(error, this.lang);
      focusId = 'after-sales-submit';
    } finally {
      this.busy = false;
    }
    this.render(focusId);
    if (this.sent) this.frame.announce(this.tr('afterSales.sent'));
  }

  private amountProblem(problem: 'invalid' | 'zero' | 'too_large', order: Order): string {
    if (problem === 'zero') return this.tr('afterSales.amountZero');
    if (problem === 'too_large') return this.tr('afterSales.amountTooLarge', { amount: formatAmount(this.remaining(), order.currency, this.lang) });
    const example = isCurrency(order.currency) ? formatDecimal(BigInt(10 ** currencyExponent(order.currency)) * 12n, order.currency) : '12';
    return this.tr('afterSales.amountInvalid', { example });
  }

  private showProblem(inputId: string, message: string | null): void {
    const problem = document.getElementById(`${inputId}-error`);
    const input = document.getElementById(inputId);
    if (problem) {
      problem.textContent = message ?? '';
      problem.hidden = message === null;
    }
    if (message === null) input?.removeAttribute('aria-invalid');
    else input?.setAttribute('aria-invalid', 'true');
  }

  private render(focusId: string | null = null): void {
    const order = this.order;
    const title = order ? `${this.tr('order.title', { number: order.order_number })} · ${order.merchant.name}` : this.tr('page.order');
    applyLanguage(this.lang, title);
    const active = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
    if (this.fatal) {
      replaceChildren(
        this.frame.content,
        h('h1', { id: 'page-heading', tabindex: -1, 'data-testid': 'status-title' }, this.tr('error.heading')),
        errorAlert(this.fatal.error),
        this.fatal.retry ? h('button', { type: 'button', class: 'button', id: 'retry-button', 'data-testid': 'retry-button', onclick: () => this.retry() }, this.tr('retry')) : null,
      );
    } else if (!order) {
      replaceChildren(this.frame.content, h('p', { class: 'loading', 'aria-busy': 'true' }, this.tr('loading')));
    } else {
      replaceChildren(
        this.frame.content,
        this.header(order),
        this.survey ? this.survey.render(order.merchant.name, () => this.render()) : null,
        this.timeline(order),
        this.requests(order),
        this.form(order),
        this.support.element,
      );
    }
    const target = document.getElementById(focusId ?? active);
    target?.focus();
  }

  private retry(): void {
    this.fatal = null;
    this.render();
    void this.load();
  }

  private header(order: Order): HTMLElement {
    const description = order.description;
    return h(
      'section',
      { class: 'summary', 'aria-labelledby': 'page-heading' },
      h('h1', { id: 'page-heading', tabindex: -1 }, this.tr('order.title', { number: order.order_number })),
      h('p', { class: 'merchant' }, this.tr('order.from', { merchant: order.merchant.name })),
      detailsList([
        [this.tr('field.status'), label(this.lang, 'status', orderStatusKey(order)), 'order-status'],
        [this.tr('field.amount'), formatAmount(order.amount, order.currency, this.lang), 'order-amount'],
        ...(order.amount_refunded > 0 ? [[this.tr('field.refunded'), formatAmount(order.amount_refunded, order.currency, this.lang), 'order-refunded'] as [string, string, string]] : []),
        [this.tr('field.method'), describeMethod(order.payment_method, this.lang), 'order-method'],
        [this.tr('field.placedAt'), formatDateTime(order.created_at, this.lang), 'order-created'],
        ...(description ? [[this.tr('field.description'), description] as [string, string]] : []),
      ]),
      itemsList(order.items, order.currency, this.lang),
    );
  }

  private timeline(order: Order): HTMLElement {
    return h(
      'section',
      { class: 'card-section', 'aria-labelledby': 'timeline-heading' },
      h('h2', { id: 'timeline-heading' }, this.tr('order.timeline')),
      order.timeline.length === 0
        ? h('p', null, this.tr('order.timelineEmpty'))
        : h(
            'ol',
            { class: 'timeline' },
            order.timeline.map((entry) =>
              h(
                'li',
                { 'data-testid': `timeline-${entry.type}`, class: `timeline-${entry.type}` },
                h('span', { class: 'timeline-type' }, label(this.lang, 'timeline', entry.type)),
                h('time', { datetime: entry.at, class: 'hint' }, formatDateTime(entry.at, this.lang)),
                entry.carrier ? h('span', null, this.tr('order.carrier', { carrier: entry.carrier })) : null,
                entry.tracking_number ? h('span', { class: 'tracking' }, this.tr('order.tracking', { number: entry.tracking_number })) : null,
                (entry.type === 'refunded' || entry.type === 'refund_failed') && entry.amount !== null
                  ? h('span', null, this.tr(entry.type === 'refunded' ? 'order.refundedAmount' : 'order.refundFailedAmount', { amount: formatAmount(entry.amount, order.currency, this.lang) }))
                  : null,
              ),
            ),
          ),
    );
  }

  private requests(order: Order): HTMLElement {
    const requests = order.after_sales_requests;
    return h(
      'section',
      { class: 'card-section', 'aria-labelledby': 'requests-heading' },
      h('h2', { id: 'requests-heading' }, this.tr('afterSales.title')),
      requests.length === 0
        ? h('p', null, this.tr('afterSales.empty'))
        : h(
            'ul',
            { class: 'requests' },
            requests.map((request) =>
              h(
                'li',
                { 'data-testid': `after-sales-request-${afterSalesBadgeKey(request)}`, id: `request-${request.id}` },
                h(
                  'p',
                  { class: 'request-title' },
                  h('span', null, label(this.lang, 'kind', request.kind)),
                  request.amount !== null ? h('span', null, ` · ${formatAmount(request.amount, order.currency, this.lang)}`) : null,
                  h('span', { class: `badge badge-${afterSalesBadgeKey(request)}` }, label(this.lang, 'afterSalesStatus', afterSalesBadgeKey(request))),
                ),
                h('p', { class: 'request-reason' }, this.tr('afterSales.reasonShown', { reason: request.reason })),
                request.merchant_note ? h('p', null, this.tr('afterSales.merchantNote', { note: request.merchant_note })) : null,
                h(
                  'p',
                  { class: 'hint' },
                  this.tr('afterSales.requestedAt', { time: formatDateTime(request.created_at, this.lang) }),
                  request.decided_at ? ` · ${this.tr('afterSales.decidedAt', { time: formatDateTime(request.decided_at, this.lang) })}` : null,
                ),
              ),
            ),
          ),
      this.sent ? h('p', { class: 'success', id: 'after-sales-sent', 'data-testid': 'after-sales-sent', tabindex: -1 }, this.tr('afterSales.sent')) : null,
    );
  }

  private form(order: Order): HTMLElement {
    if (!order.after_sales_allowed) {
      return h('section', { class: 'card-section' }, h('p', { class: 'hint', 'data-testid': 'after-sales-closed' }, this.tr('afterSales.closed')));
    }
    const kind = h(
      'select',
      { id: 'after-sales-kind', 'data-testid': 'after-sales-kind' },
      afterSalesKinds.map((value) => h('option', { value, selected: value === this.draft.kind }, label(this.lang, 'kind', value))),
    );
    const reason = h('textarea', { id: 'after-sales-reason', 'data-testid': 'after-sales-reason', maxlength: afterSalesReasonLengthMax, rows: 3, required: true, 'aria-describedby': 'after-sales-reason-error' }, this.draft.reason);
    const amount = h('input', {
      id: 'after-sales-amount', 'data-testid': 'after-sales-amount', type: 'text', inputmode: 'decimal', autocomplete: 'off',
      value: this.draft.amount, 'aria-describedby': 'after-sales-amount-hint after-sales-amount-error',
    });
    const amountField = h(
      'div',
      { class: 'field', hidden: this.draft.kind !== 'refund' },
      h('label', { for: 'after-sales-amount' }, this.tr('afterSales.amount', { currency: order.currency })),
      amount,
      h('p', { class: 'hint', id: 'after-sales-amount-hint' }, this.tr('afterSales.amountHint', { amount: formatAmount(this.remaining(), order.currency, this.lang) })),
      h('p', { class: 'field-error', id: 'after-sales-amount-error', hidden: true }),
    );
    kind.addEventListener('change', () => {
      const chosen = afterSalesKinds.find((value) => value === kind.value);
      if (chosen) this.draft.kind = chosen;
      amountField.hidden = this.draft.kind !== 'refund';
    });
    reason.addEventListener('input', () => {
      this.draft.reason = reason.value;
    });
    amount.addEventListener('input', () => {
      this.draft.amount = amount.value;
    });
    return h(
      'section',
      { class: 'card-section', 'aria-labelledby': 'after-sales-heading' },
      h('h2', { id: 'after-sales-heading' }, this.tr('afterSales.formTitle')),
      h(
        'form',
        {
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            void this.submit();
          },
        },
        h('div', { class: 'field' }, h('label', { for: 'after-sales-kind' }, this.tr('afterSales.kind')), kind),
        h('div', { class: 'field' }, h('label', { for: 'after-sales-reason' }, this.tr('afterSales.reason')), reason, h('p', { class: 'field-error', id: 'after-sales-reason-error', hidden: true })),
        amountField,
        errorAlert(this.error),
        h('button', { type: 'submit', class: 'button', id: 'after-sales-submit', 'data-testid': 'after-sales-submit' }, this.tr('afterSales.submit')),
      ),
    );
  }
}
