/// <reference lib="dom" />
/**
 * Pieces of markup both pages use: the error box, the order's items, a
 * definition list, and the page frame with its language switcher.
 */
import type { OrderItem } from './api-types.ts';
import { h, type Child } from './dom.ts';
import { formatAmount } from './format.ts';
import { languageNames, languages, languageSwitcherLabel, t, type Lang } from './i18n.ts';
import type { ShownError } from './present.ts';

/** The error box: role=alert so it is read out when it appears; message and suggestion have test hooks. */
export function errorAlert(error: ShownError | null, id = 'error'): HTMLElement | null {
  if (!error) return null;
  return h(
    'div',
    { class: 'alert', role: 'alert', id, tabindex: -1, 'data-testid': 'error' },
    h('p', { class: 'alert-message', 'data-testid': 'error-message' }, error.message),
    error.suggestion ? h('p', { 'data-testid': 'error-suggestion' }, error.suggestion) : null,
    error.detail ? h('p', { class: 'alert-detail', 'data-testid': 'error-detail' }, error.detail) : null,
  );
}

export function itemsList(items: OrderItem[] | null | undefined, currency: string, lang: Lang): HTMLElement | null {
  if (!items || items.length === 0) return null;
  return h(
    'ul',
    { class: 'items', 'aria-label': t(lang, 'field.items') },
    items.map((item) =>
      h(
        'li',
        null,
        h('span', { class: 'item-name' }, t(lang, 'checkout.itemLine', { name: item.name, quantity: item.quantity })),
        h('span', { class: 'item-amount' }, formatAmount(item.unit_amount * item.quantity, currency, lang)),
      ),
    ),
  );
}

export function detailsList(rows: [string, Child, string?][]): HTMLElement {
  return h(
    'dl',
    { class: 'details' },
    rows.map(([term, value, testId]) => h('div', null, h('dt', null, term), h('dd', testId ? { 'data-testid': testId } : null, value))),
  );
}

export interface Frame {
  /** Re-rendered by the page. */
  content: HTMLElement;
  /** Says `text` through the polite live region (status changes that do not move focus). */
  announce(text: string): void;
  /** Shows `lang` in the switcher when the page picks it (the customer's saved locale). */
  showLanguage(lang: Lang): void;
}

/** The page frame: a header with the language switcher, the main region, and one live region. */
export function buildFrame(body: HTMLElement, lang: Lang, onLanguageChange: (lang: Lang) => void): Frame {
  const select = h(
    'select',
    {
      id: 'language-select',
      'data-testid': 'language-select',
      onchange: (event) => {
        const value = (event.target as HTMLSelectElement).value;
        const chosen = languages.find((candidate) => candidate === value);
        if (chosen) onLanguageChange(chosen);
      },
    },
    languages.map((code) => h('option', { value: code, lang: code, selected: code === lang }, languageNames[code])),
  );
  const content = h('div', { id: 'content', class: 'content' });
  const live = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', id: 'live' });
  const header = h('header', { class: 'topbar' }, h('div', { class: 'language' }, h('label', { for: 'language-select' }, languageSwitcherLabel), select));
  const main = h('main', { class: 'page' }, content, live);
  body.replaceChildren(header, main);
  return {
    content,
    announce(text) {
      // Emptied first so that the same text said twice is read twice.
      live.textContent = '';
      window.setTimeout(() => {
        live.textContent = text;
      }, 50);
    },
    showLanguage(lang) {
      select.value = lang;
    },
  };
}

/** Sets <html lang> and the document title when the payer changes language. */
export function applyLanguage(lang: Lang, title: string): void {
  document.documentElement.lang = lang;
  document.title = title;
}
