/**
 * Amounts and times as the payer reads them. An amount is never turned into
 * a floating-point number: its exact decimal string (formatDecimal) goes to
 * Intl.NumberFormat, which formats strings without rounding them.
 */
import { currencyExponent, formatDecimal, isCurrency } from '../../src/domain/money.ts';
import type { Lang } from './i18n.ts';

const numberFormats = new Map<string, Intl.NumberFormat>();

function currencyFormat(lang: Lang, currency: string, exponent: number): Intl.NumberFormat {
  const key = `${lang}|${currency}`;
  let format = numberFormats.get(key);
  if (!format) {
    // Our exponent table, not Intl's, says how many decimals a currency has.
    format = new Intl.NumberFormat(lang, { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent });
    numberFormats.set(key, format);
  }
  return format;
}

/** 1234 CNY → "¥12.34" (zh-CN) or "CN¥12.34" (en). */
export function formatAmount(minor: number, currency: string, lang: Lang): string {
  if (!Number.isSafeInteger(minor) || minor < 0 || !isCurrency(currency)) {
    // The API never sends these; show what came rather than a wrong amount.
    return `${String(minor)} ${currency}`;
  }
  const decimal = formatDecimal(BigInt(minor), currency) as Intl.StringNumericLiteral;
  return currencyFormat(lang, currency, currencyExponent(currency)).format(decimal);
}

/** An API timestamp in the payer's language and the browser's time zone (or `timeZone`, for tests). */
export function formatDateTime(iso: string, lang: Lang, timeZone?: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(ms);
}
