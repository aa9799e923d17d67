/**
 * What the payer may type into each field, checked as they type. Pure, so the
 * rules are unit-tested in Node and bundled unchanged into the page. The card
 * checks themselves (Luhn, brand, expiry) come from src/domain/payments/card.ts: the
 * page and the API judge a card with the same code.
 */
import { cardBrand, isExpired, luhnValid, type CardBrand } from '../../src/domain/payments/card.ts';
import { isCurrency, parseDecimal } from '../../src/domain/money.ts';

export const pinLength = 6;
export const otpLength = 6;
export const commentLengthMax = 500;
export const afterSalesReasonLengthMax = 500;
/** How far ahead an expiry date may lie before it is surely a typo. */
export const expiryYearsAheadMax = 25;

/** Keeps the digits of `text`, at most `lengthMax` of them. */
export function digitsOnly(text: string, lengthMax: number): string {
  return text.replace(/\D+/g, '').slice(0, lengthMax);
}

export function cardNumberLengthMax(brand: CardBrand): number {
  return brand === 'amex' ? 15 : 19;
}

/** The length at which a wrong number is surely wrong, so the page may say so while the payer types. */
function cardNumberLengthTypical(brand: CardBrand): number {
  return brand === 'amex' ? 15 : 16;
}

/** Digits grouped as printed on the card: 4-6-5 for American Express, fours otherwise. */
export function groupCardNumber(digits: string): string {
  if (cardBrand(digits) === 'amex') {
    return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10, 15)].filter((part) => part.length > 0).join(' ');
  }
  return (digits.match(/\d{1,4}/g) ?? []).join(' ');
}

/** Where the caret belongs in `formatted` so that `digitCount` digits lie before it. */
export function caretAfterDigits(formatted: string, digitCount: number): number {
  if (digitCount <= 0) return 0;
  let seen = 0;
  for (let index = 0; index < formatted.length; index += 1) {
    if (/\d/.test(formatted[index] ?? '')) seen += 1;
    if (seen === digitCount) return index + 1;
  }
  return formatted.length;
}

export type CardNumberProblem = 'required' | 'invalid' | null;

/**
 * While the payer types (`final` false) only a number that is long enough and
 * still fails the Luhn check is flagged; on leaving the field or paying, an
 * empty or incomplete number is flagged too.
 */
export function cardNumberProblem(digits: string, final: boolean): CardNumberProblem {
  if (digits.length === 0) return final ? 'required' : null;
  if (luhnValid(digits)) return null;
  if (final || digits.length >= cardNumberLengthTypical(cardBrand(digits))) return 'invalid';
  return null;
}

/** "1228" → "12/28", "4" → "04": the slash appears only once a year digit is typed, so deleting never fights it. */
export function formatExpiryInput(text: string): string {
  let digits = digitsOnly(text, 4);
  if (/^[2-9]/.test(digits)) digits = `0${digits}`.slice(0, 4);
  return digits.length > 2 ? `${digits.slice(0, 2)}/${digits.slice(2)}` : digits;
}

export type ExpiryProblem = 'required' | 'incomplete' | 'month' | 'expired' | 'too_far';
export type ExpiryParse = { ok: true; month: number; year: number } | { ok: false; problem: ExpiryProblem };

/** Reads "MM/YY" (the slash optional) into a month and a four-digit year, judged against `nowMs`. */
export function parseExpiry(text: string, nowMs: number): ExpiryParse {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, problem: 'required' };
  const match = /^(\d{2})\s*\/?\s*(\d{2})$/.exec(trimmed);
  if (!match) return { ok: false, problem: 'incomplete' };
  const month = Number(match[1]);
  const year = 2000 + Number(match[2]);
  if (month < 1 || month > 12) return { ok: false, problem: 'month' };
  if (isExpired(month, year, nowMs)) return { ok: false, problem: 'expired' };
  if (year > new Date(nowMs).getUTCFullYear() + expiryYearsAheadMax) return { ok: false, problem: 'too_far' };
  return { ok: true, month, year };
}

/** While typing, only a complete date is judged; on leaving the field, any problem shows. */
export function expiryProblem(text: string, nowMs: number, final: boolean): ExpiryProblem | null {
  const parsed = parseExpiry(text, nowMs);
  if (parsed.ok) return null;
  if (!final && (parsed.problem === 'required' || parsed.problem === 'incomplete')) return null;
  return parsed.problem;
}

export function cvcLength(brand: CardBrand): 3 | 4 {
  return brand === 'amex' ? 4 : 3;
}

export function cvcProblem(cvc: string, brand: CardBrand, final: boolean): 'required' | 'invalid' | null {
  if (cvc.length === 0) return final ? 'required' : null;
  if (cvc.length === cvcLength(brand) && /^\d+$/.test(cvc)) return null;
  return final || cvc.length > cvcLength(brand) ? 'invalid' : null;
}

/** A wallet PIN or a one-time code: exactly six digits. */
export function isSixDigitCode(text: string): boolean {
  return /^\d{6}$/.test(text);
}

/** What a PIN or code field keeps of what was typed or pasted: digits only, six at most. */
export function sanitizeCode(text: string): string {
  return digitsOnly(text, pinLength);
}

export type AmountInput = { ok: true; minor: number | null } | { ok: false; problem: 'invalid' | 'zero' | 'too_large' };

/**
 * Reads an optional amount typed in major units ("12.5") into minor units,
 * exactly (no floating point), and checks it against what remains.
 */
export function parseAmountInput(text: string, currency: string, remainingMinor: number): AmountInput {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: true, minor: null };
  if (!isCurrency(currency)) return { ok: false, problem: 'invalid' };
  const minor = parseDecimal(trimmed, currency);
  if (minor === null) return { ok: false, problem: 'invalid' };
  if (minor === 0n) return { ok: false, problem: 'zero' };
  if (minor > BigInt(remainingMinor)) return { ok: false, problem: 'too_large' };
  // Below `remainingMinor`, itself a safe integer from the API, so exact as a number.
  return { ok: true, minor: Number(minor) };
}
