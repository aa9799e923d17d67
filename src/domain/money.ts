/**
 * Money is an integer count of minor units (bigint), always paired with an
 * ISO 4217 currency whose exponent comes from this one table.
 */
import { assert } from './assert.ts';
import { limits } from './limits.ts';

/** ISO 4217 minor-unit exponents for the currencies Paypilot accepts. */
export const currencyExponents = {
  AED: 2, AUD: 2, BHD: 3, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, CZK: 2, DKK: 2,
  EUR: 2, GBP: 2, HKD: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, ISK: 0, JOD: 3, JPY: 0,
  KRW: 0, KWD: 3, MOP: 2, MXN: 2, MYR: 2, NOK: 2, NZD: 2, OMR: 3, PHP: 2, PLN: 2,
  SAR: 2, SEK: 2, SGD: 2, THB: 2, TND: 3, TRY: 2, TWD: 2, UGX: 0, USD: 2, VND: 0,
  XAF: 0, XOF: 0, ZAR: 2,
} as const satisfies Record<string, 0 | 2 | 3>;

export type Currency = keyof typeof currencyExponents;

export function isCurrency(code: string): code is Currency {
  return Object.hasOwn(currencyExponents, code);
}

export function currencyExponent(currency: Currency): number {
  return currencyExponents[currency];
}

/** An amount a merchant may ask for: a whole number of minor units in [1, 10^12]. */
export function isValidAmount(amount: bigint): boolean {
  return amount >= limits.amountMinorUnitsMin && amount <= limits.amountMinorUnitsMax;
}

/** "12.34" for 1234 fen: only connectors and payer-facing text use this. */
export function formatDecimal(amount: bigint, currency: Currency): string {
  assert(amount >= 0n, 'formatDecimal takes a non-negative amount');
  const exponent = currencyExponent(currency);
  if (exponent === 0) return amount.toString();
  const text = amount.toString().padStart(exponent + 1, '0');
  return `${text.slice(0, -exponent)}.${text.slice(-exponent)}`;
}

/** Parses "12.34" (a provider's decimal string) into minor units; null when malformed. */
export function parseDecimal(text: string, currency: Currency): bigint | null {
  const exponent = currencyExponent(currency);
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) return null;
  return BigInt(match[1] + fraction.padEnd(exponent, '0'));
}

/** JSON carries amounts as numbers; every amount we accept is below 2^53. */
export function amountToJson(amount: bigint): number {
  assert(amount <= BigInt(Number.MAX_SAFE_INTEGER) && amount >= 0n, 'amount out of JSON-safe range');
  return Number(amount);
}

/** A change of balance, which may be negative (money out); same bounds otherwise. */
export function amountChangeToJson(change: bigint): number {
  return change < 0n ? -amountToJson(-change) : amountToJson(change);
}
