/**
 * What Paypilot checks about a card before any provider sees it, and what it
 * keeps: brand, last four, expiry and a keyed fingerprint, never the number.
 */
import { createHmac } from 'node:crypto';

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

/** The same card gives the same fingerprint for one key; the key keeps it from being a hash of the number. */
export function cardFingerprint(number: string, fingerprintKey: Buffer): string {
  return createHmac('sha256', fingerprintKey).update(number).digest('base64url').slice(0, 22);
}

export function toStoredCard(card: CardInput, fingerprintKey: Buffer): StoredCard {
  return {
    brand: cardBrand(card.number),
    last4: card.number.slice(-4),
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    fingerprint: cardFingerprint(card.number, fingerprintKey),
  };
}
