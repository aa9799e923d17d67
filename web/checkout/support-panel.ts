/// <reference lib="dom" />
/**
 * The order page's help section: the merchant's FAQ (browsed, then searched
 * before asking), a form to ask the merchant about this payment, and the
 * payer's questions with their threads. It renders into its own element,
 * which the order page places; it loads and re-renders itself.
 *
 * Stable hooks for browser tests (data-testid):
 *   faq-search-input, faq-search-submit, faq-entry (each entry), faq-no-results
 *   support-category, support-message, support-contact-email, support-contact-sms,
 *   support-email, support-phone, support-submit, support-sent
 *   support-request-<status> (open, answered, resolved), support-message-<author> (payer, merchant)
 */
import { IdempotencyKeys, type ApiClient } from './api.ts';
import { h, replaceChildren } from './dom.ts';
import { formatDateTime } from './format.ts';
import type { Lang } from './i18n.ts';
import { shownError, type ShownError } from './present.ts';
import { supportText, type SupportTextKey } from './support-texts.ts';
import { errorAlert } from './views.ts';

const categories = ['payment_problem', 'refund', 'order_status', 'product', 'other'] as const;
const messageLengthMax = 2000;

interface FaqEntry {
  id: string;
  question: string;
  answer: string;
}

interface SupportRequest {
  id: string;
  category: string;
  status: 'open' | 'answered' | 'resolved';
  created_at: string;
  messages: { id: string; author: 'payer' | 'merchant'; body: string; created_at: string }[] | null;
}

interface Draft {
  category: (typeof categories)[number];
  message: string;
  contact: 'email' | 'sms';
  email: string;
  phone: string;
}

export class SupportPanel {
  readonly element = h('section', { class: 'card-section', 'aria-labelledby': 'support-heading', id: 'support' });
  private lang: Lang;
  private faq: FaqEntry[] = [];
  private searched: { query: string; results: FaqEntry[] } | null = null;
  /** What the search field holds, kept as the payer types: a render (a search answering, a reply sent) never takes it back. */
  private searchDraft = '';
  /** The newest search sent: an answer to an older one, arriving late, is dropped. */
  private searchSeq = 0;
  private requests: SupportRequest[] = [];
  private draft: Draft = { category: 'order_status', message: '', contact: 'email', email: '', phone: '' };
  private busy = false;
  private sent = false;
  private error: ShownError | null = null;
  private readonly keys = new IdempotencyKeys();

  private readonly api: ApiClient;
  private readonly path: (suffix: string, query?: Record<string, string>) => string;

  constructor(api: ApiClient, path: (suffix: string, query?: Record<string, string>) => string, lang: Lang) {
    this.api = api;
    this.path = path;
    this.lang = lang;
  }

  /** The FAQ is per language: a new language loads it again (unless the caller loads next). */
  setLanguage(lang: Lang, reload = true): void {
    if (lang === this.lang) return;
    this.lang = lang;
    this.searched = null;
    if (reload) void this.load();
  }

  async load(): Promise<void> {
    try {
      const [faq, requests] = await Promise.all([
        this.api.get<{ data: FaqEntry[] }>(this.path('/faq', { locale: this.lang })),
        this.api.get<{ data: SupportRequest[] }>(this.path('/support_requests')),
      ]);
      this.faq = faq.data;
      this.requests = requests.data;
    } catch (error) {
      this.error = shownError(error, this.lang);
    }
    this.render();
  }

  private tr(key: SupportTextKey, params?: Record<string, string>): string {
    return supportText(this.lang, key, params);
  }

  private async search(query: string): Promise<void> {
    const seq = ++this.searchSeq;
    if (query.trim().length === 0) {
      this.searched = null;
      this.render();
      return;
    }
    try {
      const found = await this.api.get<{ data: FaqEntry[] }>(this.path('/faq', { locale: this.lang, q: query.trim().slice(0, 100) }));
      if (seq !== this.searchSeq) return;
      this.searched = { query: query.trim(), results: found.data };
      this.error = null;
    } catch (error) {
      if (seq !== this.searchSeq) return;
      this.error = shownError(error, this.lang);
    }
    this.render('faq-search-input');
  }

  private async submit(): Promise<void> {
    if (this.busy) return;
    const message = this.draft.message.trim();
    const problem = document.getElementById('support-message-error');
    if (message.length === 0) {
      if (problem) {
        problem.textContent = this.tr('messageRequired');
        problem.hidden = false;
      }
      document.getElementById('support-message')?.focus();
      return;
    }
    const body: Record<string, unknown> = { category: this.draft.category, message: message.slice(0, messageLengthMax), contact_preference: this.draft.contact, locale: this.lang };
    if (this.draft.contact === 'email' && this.draft.email.trim()) body.email = this.draft.email.trim();
    if (this.draft.contact === 'sms' && this.draft.phone.trim()) body.phone = this.draft.phone.trim();
    const signature = JSON.stringify(body);
    const key = this.keys.keyFor(signature);
    this.busy = true;
    this.sent = false;
    this.error = null;
    let focus = 'support-sent';
    try {
      const created = await this.api.post<SupportRequest>(this.path('/support_requests'), body, key);
      this.keys.settle(signature, key, null);
      this.requests = [...this.requests.filter((request) => request.id !== created.id), created];
      this.draft = { ...this.draft, message: '' };
      this.sent = true;
    } catch (error) {
      this.keys.settle(signature, key, error);
      this.error = shownError(error, this.lang);
      focus = 'support-submit';
    } finally {
      this.busy = false;
    }
    this.render(focus);
  }

  private async writeAgain(request: SupportRequest, text: string): Promise<void> {
    if (this.busy || text.trim().length === 0) return;
    const body = { message: text.trim().slice(0, messageLengthMax) };
    const signature = `${request.id}:${body.message}`;
    const key = this.keys.keyFor(signature);
    this.busy = true;
    try {
      const updated = await this.api.post<SupportRequest>(this.path(`/support_requests/${encodeURIComponent(request.id)}/messages`), body, key);
      this.keys.settle(signature, key, null);
      this.requests = this.requests.map((existing) => (existing.id === updated.id ? updated : existing));
      this.error = null;
    } catch (error) {
      this.keys.settle(signature, key, error);
      this.error = shownError(error, this.lang);
    } finally {
      this.busy = false;
    }
    this.render();
  }

  render(focusId: string | null = null): void {
    // The field the payer is in keeps its caret (and selection) across the render, which makes every element anew.
    const active = document.activeElement;
    const typing = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement ? active : null;
    const caret = typing && this.element.contains(typing) && typing.id ? { id: typing.id, start: typing.selectionStart, end: typing.selectionEnd } : null;
    replaceChildren(
      this.element,
      h('h2', { id: 'support-heading' }, this.tr('title')),
      this.faqPart(),
      this.threads(),
      this.form(),
      errorAlert(this.error, 'support-error'),
    );
    const focused = focusId ?? caret?.id;
    const field = focused ? document.getElementById(focused) : null;
    field?.focus();
    if (caret && field?.id === caret.id && (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) && caret.start !== null) {
      // A search field's selection cannot be set in every browser: the caret is a convenience, never an error.
      try {
        field.setSelectionRange(caret.start, caret.end ?? caret.start);
      } catch {
        // type=search in some engines
      }
    }
  }

  private faqPart(): HTMLElement {
    const input = h('input', {
      id: 'faq-search-input',
      'data-testid': 'faq-search-input',
      type: 'search',
      maxlength: 100,
      value: this.searchDraft,
      oninput: () => {
        this.searchDraft = input.value;
      },
    });
    const entries = this.searched ? this.searched.results : this.faq;
    return h(
      'div',
      // The query the entries shown answer (none while the whole FAQ is shown): what a test waits for after a search.
      { class: 'faq', 'data-search-query': this.searched?.query },
      h('h3', null, this.tr('faqTitle')),
      h(
        'form',
        {
          role: 'search',
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            void this.search(input.value);
          },
        },
        h('label', { for: 'faq-search-input' }, this.tr('faqSearch')),
        input,
        h('button', { type: 'submit', class: 'button secondary', 'data-testid': 'faq-search-submit' }, this.tr('faqSearchButton')),
      ),
      this.searched && entries.length === 0 ? h('p', { class: 'hint', 'data-testid': 'faq-no-results', role: 'status' }, this.tr('faqNoResults', { query: this.searched.query })) : null,
      !this.searched && entries.length === 0 ? h('p', { class: 'hint' }, this.tr('faqEmpty')) : null,
      h(
        'ul',
        { class: 'faq-entries' },
        entries.map((entry) => h('li', { 'data-testid': 'faq-entry' }, h('details', null, h('summary', null, entry.question), h('p', null, entry.answer)))),
      ),
    );
  }

  private threads(): HTMLElement | null {
    if (this.requests.length === 0) return null;
    return h(
      'div',
      { class: 'support-threads' },
      h('h3', null, this.tr('threadsTitle')),
      h(
        'ul',
        { class: 'requests' },
        this.requests.map((request) => {
          const reply = h('textarea', { rows: 2, maxlength: messageLengthMax, 'aria-label': this.tr('writeAgain'), 'data-testid': 'support-write-again' });
          return h(
            'li',
            { 'data-testid': `support-request-${request.status}`, id: `support-request-${request.id}` },
            h('p', { class: 'request-title' }, h('span', null, this.tr(`category.${request.category}` as SupportTextKey)), h('span', { class: `badge badge-${request.status}` }, this.tr(`status.${request.status}`))),
            h(
              'ol',
              { class: 'thread' },
              (request.messages ?? []).map((message) =>
                h(
                  'li',
                  { 'data-testid': `support-message-${message.author}`, class: `thread-${message.author}` },
                  h('span', { class: 'hint' }, `${this.tr(message.author === 'payer' ? 'you' : 'merchant')} · ${formatDateTime(message.created_at, this.lang)}`),
                  h('p', null, message.body),
                ),
              ),
            ),
            h(
              'form',
              {
                novalidate: true,
                onsubmit: (event) => {
                  event.preventDefault();
                  void this.writeAgain(request, reply.value);
                },
              },
              reply,
              h('button', { type: 'submit', class: 'button secondary', 'data-testid': 'support-write-again-submit' }, this.tr('writeAgainSubmit')),
            ),
          );
        }),
      ),
    );
  }

  private form(): HTMLElement {
    const category = h(
      'select',
      { id: 'support-category', 'data-testid': 'support-category' },
      categories.map((value) => h('option', { value, selected: value === this.draft.category }, this.tr(`category.${value}`))),
    );
    category.addEventListener('change', () => {
      this.draft.category = categories.find((value) => value === category.value) ?? 'other';
    });
    const message = h('textarea', { id: 'support-message', 'data-testid': 'support-message', rows: 3, maxlength: messageLengthMax, required: true, 'aria-describedby': 'support-message-error' }, this.draft.message);
    message.addEventListener('input', () => {
      this.draft.message = message.value;
    });
    const email = h('input', { id: 'support-email', 'data-testid': 'support-email', type: 'email', autocomplete: 'email', value: this.draft.email });
    email.addEventListener('input', () => {
      this.draft.email = email.value;
    });
    const phone = h('input', { id: 'support-phone', 'data-testid': 'support-phone', type: 'tel', autocomplete: 'tel', value: this.draft.phone });
    phone.addEventListener('input', () => {
      this.draft.phone = phone.value;
    });
    const emailField = h('div', { class: 'field', hidden: this.draft.contact !== 'email' }, h('label', { for: 'support-email' }, this.tr('email')), email);
    const phoneField = h('div', { class: 'field', hidden: this.draft.contact !== 'sms' }, h('label', { for: 'support-phone' }, this.tr('phone')), phone);
    const contact = (value: 'email' | 'sms') =>
      h(
        'label',
        { class: 'radio' },
        h('input', {
          type: 'radio',
          name: 'support-contact',
          value,
          'data-testid': `support-contact-${value}`,
          checked: this.draft.contact === value,
          onchange: () => {
            this.draft.contact = value;
            emailField.hidden = value !== 'email';
            phoneField.hidden = value !== 'sms';
          },
        }),
        this.tr(`contact.${value}`),
      );
    return h(
      'div',
      { class: 'support-ask' },
      h('h3', null, this.tr('askTitle')),
      h(
        'form',
        {
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            void this.submit();
          },
        },
        h('div', { class: 'field' }, h('label', { for: 'support-category' }, this.tr('category')), category),
        h('div', { class: 'field' }, h('label', { for: 'support-message' }, this.tr('message')), message, h('p', { class: 'field-error', id: 'support-message-error', hidden: true })),
        h('fieldset', { class: 'field' }, h('legend', null, this.tr('contact')), contact('email'), contact('sms')),
        emailField,
        phoneField,
        h('button', { type: 'submit', class: 'button', id: 'support-submit', 'data-testid': 'support-submit' }, this.tr('submit')),
        this.sent ? h('p', { class: 'success', id: 'support-sent', 'data-testid': 'support-sent', tabindex: -1, role: 'status' }, this.tr('sent')) : null,
      ),
    );
  }
}
