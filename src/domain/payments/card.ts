/**
 * What Paypilot checks about a card before any provider sees it. Pure and
 * free of Node modules, so the hosted checkout checks a card with this very
 * code as the payer types. What is kept of a card is in stored-card.ts.
 */

export type CardBrand = 'visa' | 'mastercard' | 'unionpay' | 'amex' | 'jcb' | 'discover' | 'unknown';

export interface CardInput {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc: string;
}

export interface StoredCard {
  brand: CardBrand;
  last4: string;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
}

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i += 1) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function cardBrand(number: string): CardBrand {
  if (/^4/.test(number)) return 'visa';
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(number)) return 'mastercard';
  if (/^62/.test(number)) return 'unionpay';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^35(2[89]|[3-8])/.test(number)) return 'jcb';
  if (/^6(011|5)/.test(number)) return 'discover';
  return 'unknown';
}

/** A card is expired after the last day of its expiry month, in UTC. */
export function isExpired(expMonth: number, expYear: number, nowMs: number): boolean {
  const firstOfNextMonthMs = Date.UTC(expYear, expMonth, 1);
  return nowMs >= firstOfNextMonthMs;
}
