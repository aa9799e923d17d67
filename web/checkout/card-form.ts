/// <reference lib="dom" />
/**
 * The card fields: number, expiry (MM/YY) and security code, nothing else.
 * The number is grouped as typed and its brand shown; each field is judged as
 * the payer types (with src/domain/payments/card.ts, the API's own checks) and fully on
 * leaving it or on paying. Field problems are written in place, not by
 * re-rendering, so the caret never jumps.
 */
import { cardBrand, type CardInput } from '../../src/domain/payments/card.ts';
import { h } from './dom.ts';
import { label, t, type Lang, type MessageKey } from './i18n.ts';
import {
  caretAfterDigits,
  cardNumberLengthMax,
  cardNumberProblem,
  cvcLength,
  cvcProblem,
  digitsOnly,
  expiryProblem,
  formatExpiryInput,
  groupCardNumber,
  parseExpiry,
  type ExpiryProblem,
} from './input-rules.ts';

/** What the payer has typed so far; kept by the page so a re-render (a language switch) loses nothing. */
export interface CardDraft {
  number: string;
  expiry: string;
  cvc: string;
}

export interface CardForm {
  element: HTMLElement;
  /** Shows every problem; answers the card to send, or null after focusing the first field to fix. */
  validate(): CardInput | null;
}

const expiryMessages: Record<ExpiryProblem, MessageKey> = {
  required: 'card.expiryRequired',
  incomplete: 'card.expiryIncomplete',
  month: 'card.expiryMonth',
  expired: 'card.expiryExpired',
  too_far: 'card.expiryTooFar',
};

interface Field {
  wrapper: HTMLElement;
  input: HTMLInputElement;
  show(problem: string | null): void;
}

function field(id: string, labelText: string, input: HTMLInputElement, extras: { labelSuffix?: HTMLElement; hint?: HTMLElement } = {}): Field {
  const errorId = `${id}-error`;
  const problem = h('p', { class: 'field-error', id: errorId, hidden: true });
  const describedBy = [extras.hint?.id, errorId].filter(Boolean).join(' ');
  input.setAttribute('aria-describedby', describedBy);
  const wrapper = h('div', { class: 'field' }, h('div', { class: 'label-row' }, h('label', { for: id }, labelText), extras.labelSuffix), input, extras.hint, problem);
  return {
    wrapper,
    input,
    show(message) {
      problem.textContent = message ?? '';
      problem.hidden = message === null;
      if (message === null) input.removeAttribute('aria-invalid');
      else input.setAttribute('aria-invalid', 'true');
    },
  };
}

export function cardForm(draft: CardDraft, lang: Lang, now: () => number): CardForm {
  const brandOf = () => cardBrand(draft.number);
  const brandText = () => (draft.number.length > 0 && brandOf() !== 'unknown' ? label(lang, 'brand', brandOf()) : '');
  const brand = h('span', { class: 'brand', id: 'card-brand', 'data-testid': 'card-brand', 'aria-live': 'polite' }, brandText());

  const numberInput = h('input', {
    id: 'card-number', 'data-testid': 'card-number', type: 'text', inputmode: 'numeric', autocomplete: 'cc-number',
    autocorrect: 'off', spellcheck: 'false', placeholder: '1234 1234 1234 1234', maxlength: 23, value: groupCardNumber(draft.number),
  });
  const expiryInput = h('input', {
    id: 'card-expiry', 'data-testid': 'card-expiry', type: 'text', inputmode: 'numeric', autocomplete: 'cc-exp',
    placeholder: 'MM/YY', maxlength: 5, value: draft.expiry,
  });
  const cvcInput = h('input', {
    id: 'card-cvc', 'data-testid': 'card-cvc', type: 'text', inputmode: 'numeric', autocomplete: 'cc-csc',
    placeholder: '123', maxlength: 4, value: draft.cvc,
  });
  const cvcHint = h('p', { class: 'hint', id: 'card-cvc-hint' });

  const number = field('card-number', t(lang, 'card.number'), numberInput, { labelSuffix: brand });
  const expiry = field('card-expiry', t(lang, 'card.expiry'), expiryInput);
  const cvc = field('card-cvc', t(lang, 'card.cvc'), cvcInput, { hint: cvcHint });

  const numberMessage = (final: boolean) => {
    const problem = cardNumberProblem(draft.number, final);
    return problem === null ? null : t(lang, problem === 'required' ? 'card.numberRequired' : 'card.numberInvalid');
  };
  const expiryMessage = (final: boolean) => {
    const problem = expiryProblem(draft.expiry, now(), final);
    return problem === null ? null : t(lang, expiryMessages[problem]);
  };
  const cvcMessage = (final: boolean) => {
    const problem = cvcProblem(draft.cvc, brandOf(), final);
    if (problem === null) return null;
    return problem === 'required' ? t(lang, 'card.cvcRequired') : t(lang, 'card.cvcInvalid', { digits: cvcLength(brandOf()) });
  };
  const updateBrand = () => {
    brand.textContent = brandText();
    cvcHint.textContent = brandOf() === 'amex' ? t(lang, 'card.cvcHintAmex') : t(lang, 'card.cvcHint', { digits: 3 });
  };
  updateBrand();

  numberInput.addEventListener('input', () => {
    const caret = numberInput.selectionStart ?? numberInput.value.length;
    const digitsBeforeCaret = digitsOnly(numberInput.value.slice(0, caret), 19).length;
    draft.number = digitsOnly(numberInput.value, 19);
    draft.number = draft.number.slice(0, cardNumberLengthMax(cardBrand(draft.number)));
    const grouped = groupCardNumber(draft.number);
    if (numberInput.value !== grouped) {
      numberInput.value = grouped;
      const position = caretAfterDigits(grouped, Math.min(digitsBeforeCaret, draft.number.length));
      if (document.activeElement === numberInput) numberInput.setSelectionRange(position, position);
    }
    updateBrand();
    number.show(numberMessage(false));
    if (draft.cvc.length > 0) cvc.show(cvcMessage(false));
  });
  expiryInput.addEventListener('input', () => {
    draft.expiry = formatExpiryInput(expiryInput.value);
    if (expiryInput.value !== draft.expiry) expiryInput.value = draft.expiry;
    expiry.show(expiryMessage(false));
  });
  cvcInput.addEventListener('input', () => {
    draft.cvc = digitsOnly(cvcInput.value, 4);
    if (cvcInput.value !== draft.cvc) cvcInput.value = draft.cvc;
    cvc.show(cvcMessage(false));
  });
  // Leaving a field with something in it judges it fully; leaving it empty says nothing until the payer pays.
  numberInput.addEventListener('blur', () => draft.number.length > 0 && number.show(numberMessage(true)));
  expiryInput.addEventListener('blur', () => draft.expiry.length > 0 && expiry.show(expiryMessage(true)));
  cvcInput.addEventListener('blur', () => draft.cvc.length > 0 && cvc.show(cvcMessage(true)));

  const element = h('div', { class: 'card-form' }, number.wrapper, h('div', { class: 'field-row' }, expiry.wrapper, cvc.wrapper));
  return {
    element,
    validate() {
      const problems: [Field, string | null][] = [
        [number, numberMessage(true)],
        [expiry, expiryMessage(true)],
        [cvc, cvcMessage(true)],
      ];
      for (const [which, message] of problems) which.show(message);
      const first = problems.find(([, message]) => message !== null);
      if (first) {
        first[0].input.focus();
        return null;
      }
      const parsed = parseExpiry(draft.expiry, now());
      if (!parsed.ok) return null;
      return { number: draft.number, exp_month: parsed.month, exp_year: parsed.year, cvc: draft.cvc };
    },
  };
}
