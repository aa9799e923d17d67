/**
 * How the console writes amounts, rates, durations and times, in the member's
 * language and the merchant's time zone. Amounts arrive in minor units (API.md)
 * and are shown in major units with the currency.
 */
import type { ConsoleLocale } from './context.ts';

function fractionDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** 12345 CNY → "¥123.45" (en) / "¥123.45" (zh-CN). */
export function formatMoney(minor: number, currency: string, locale: ConsoleLocale): string {
  const digits = fractionDigits(currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / 10 ** digits);
}

/** A share between 0 and 1 → "97.3%". Null (nothing to divide) → "–". */
export function formatRate(rate: number | null, locale: ConsoleLocale, digits = 1): string {
  if (rate === null || !Number.isFinite(rate)) return '–';
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(rate);
}

/** Milliseconds → "850 ms", "2.4 s", "3 min 20 s", "2 h 5 min" (units as each language writes them). */
export function formatDuration(ms: number, locale: ConsoleLocale): string {
  const unit = (value: number, name: 'millisecond' | 'second' | 'minute' | 'hour' | 'day', digits = 0) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short', maximumFractionDigits: digits }).format(value);
  if (ms < 1000) return unit(Math.round(ms), 'millisecond');
  if (ms < 60_000) return unit(ms / 1000, 'second', 1);
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${unit(Math.floor(totalSeconds / 60), 'minute')} ${unit(totalSeconds % 60, 'second')}`;
  const totalMinutes = Math.round(totalSeconds / 60);
  if (totalMinutes < 24 * 60) return `${unit(Math.floor(totalMinutes / 60), 'hour')} ${unit(totalMinutes % 60, 'minute')}`;
  const totalHours = Math.round(totalMinutes / 60);
  return `${unit(Math.floor(totalHours / 24), 'day')} ${unit(totalHours % 24, 'hour')}`;
}

/** An ISO instant in the merchant's time zone, e.g. "2026-12-06 14:03". */
export function formatDateTime(iso: string, timeZone: string, locale: ConsoleLocale): string {
  return new Intl.DateTimeFormat(locale, { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

export function formatCount(value: number, locale: ConsoleLocale): string {
  return new Intl.NumberFormat(locale).format(value);
}
