/// <reference lib="dom" />
/**
 * Paying from the wallet: the balance, and either why it cannot pay (short,
 * no PIN yet, locked) or the six-digit PIN entry. The PIN field is a masked
 * numeric input, so the keyboard and password managers work; the on-screen
 * keypad only types into it.
 */
import type { WalletInquiry } from './api-types.ts';
import { h } from './dom.ts';
import { formatAmount, formatDateTime } from './format.ts';
import { t, type Lang } from './i18n.ts';
import { pinLength, sanitizeCode } from './input-rules.ts';
import { attemptsRemainingText } from './present.ts';

export interface WalletFormInput {
  wallet: WalletInquiry | null;
  currency: string;
  lang: Lang;
  pin: string;
  /** From the latest incorrect_pin answer, else from the inquiry. */
  attemptsRemaining: number | null;
  /** From the latest pin_locked answer, else from the inquiry. */
  lockedUntil: string | null;
  nowMs: number;
  onPinChange(pin: string): void;
  isBusy(): boolean;
}

export interface WalletForm {
  element: HTMLElement;
  /** False when the wallet cannot pay now: the page then offers no PIN submit. */
  canPay: boolean;
}

function notice(testId: string, ...lines: string[]): HTMLElement {
  return h('div', { class: 'notice', 'data-testid': testId }, lines.map((line) => h('p', null, line)));
}

export function walletForm(input: WalletFormInput): WalletForm {
  const { wallet, lang } = input;
  if (!wallet) return { element: notice('wallet-unavailable', t(lang, 'wallet.unavailable')), canPay: false };
  const balance = h('p', { class: 'balance', id: 'wallet-balance', 'data-testid': 'wallet-balance' }, t(lang, 'wallet.balance', { amount: formatAmount(wallet.available, input.currency, lang) }));
  if (!wallet.covers) {
    const shortfall = formatAmount(wallet.shortfall, input.currency, lang);
    return { element: h('div', null, balance, notice('wallet-shortfall', t(lang, 'wallet.shortfall', { shortfall }), t(lang, 'wallet.shortfallSuggestion'))), canPay: false };
  }
  if (!wallet.pin.set) return { element: h('div', null, balance, notice('wallet-no-pin', t(lang, 'wallet.noPin'))), canPay: false };
  const lockedUntil = input.lockedUntil ?? wallet.pin.locked_until;
  if (lockedUntil && Date.parse(lockedUntil) > input.nowMs) {
    const time = formatDateTime(lockedUntil, lang);
    return { element: h('div', null, balance, notice('wallet-locked', t(lang, 'wallet.locked', { time }), t(lang, 'wallet.lockedSuggestion'))), canPay: false };
  }
  return { element: h('div', null, balance, pinEntry(input)), canPay: true };
}

function pinEntry(input: WalletFormInput): HTMLElement {
  const { lang } = input;
  let pin = input.pin;
  const attempts = input.attemptsRemaining;
  const attemptsNote = attempts !== null ? h('p', { class: 'hint', id: 'pin-attempts', 'data-testid': 'pin-attempts' }, attemptsRemainingText(attempts, lang)) : null;
  const progress = h('p', { class: 'hint', id: 'pin-progress', 'aria-live': 'polite' });
  const field = h('input', {
    id: 'pin-input', 'data-testid': 'pin-input', type: 'password', inputmode: 'numeric', autocomplete: 'off',
    maxlength: pinLength, class: 'pin', value: pin,
    'aria-describedby': ['pin-progress', attemptsNote ? 'pin-attempts' : null, 'pin-input-error'].filter(Boolean).join(' '),
  });
  const update = (next: string) => {
    pin = sanitizeCode(next);
    if (field.value !== pin) field.value = pin;
    progress.textContent = t(lang, 'wallet.pinProgress', { count: pin.length });
    input.onPinChange(pin);
  };
  update(pin);
  field.addEventListener('input', () => update(field.value));

  const key = (text: string, value: () => string, props: Record<string, string> = {}) =>
    h('button', {
      type: 'button', class: 'key', ...props,
      onclick: () => {
        if (!input.isBusy()) update(value());
      },
    }, text);
  const digits = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((digit) => key(digit, () => pin + digit, { 'data-testid': `keypad-${digit}` }));
  const keypad = h(
    'div',
    { class: 'keypad', role: 'group', 'aria-label': t(lang, 'wallet.keypad') },
    digits,
    key(t(lang, 'wallet.keypadClear'), () => '', { 'data-testid': 'keypad-clear' }),
    key('0', () => `${pin}0`, { 'data-testid': 'keypad-0' }),
    key('⌫', () => pin.slice(0, -1), { 'aria-label': t(lang, 'wallet.keypadDelete'), 'data-testid': 'keypad-delete' }),
  );
  return h(
    'div',
    { class: 'field pin-entry' },
    h('label', { for: 'pin-input' }, t(lang, 'wallet.pin')),
    field,
    progress,
    attemptsNote,
    h('p', { class: 'field-error', id: 'pin-input-error', hidden: true }),
    keypad,
  );
}
