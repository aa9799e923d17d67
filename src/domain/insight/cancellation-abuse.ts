/**
 * Abuse of cancellation: a customer who cancels more than the merchant's
 * limit of payments within an hour is flagged for a while; while flagged,
 * the merchant's chosen action applies to the customer's next payments:
 * nothing, a one-time code sent to the customer first, or a refusal.
 *
 * Pure: the limits, the code and its keyed hash, the message texts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { assert } from '../assert.ts';
import type { RandomSource } from '../clock.ts';
import type { Locale } from '../locale.ts';

export const abuseActions = ['none', 'require_otp', 'refuse'] as const;
export type AbuseAction = (typeof abuseActions)[number];

export interface AbuseSettings {
  maxCancellationsPerHour: number;
  action: AbuseAction;
  flagDurationHours: number;
}

/** Without settings of their own, merchants see flags but nobody is held back. */
export const defaultAbuseSettings: AbuseSettings = { maxCancellationsPerHour: 5, action: 'none', flagDurationHours: 24 };

export const abuseRules = {
  windowMs: 60 * 60 * 1000,
  maxCancellationsPerHourMin: 1,
  maxCancellationsPerHourMax: 1000,
  flagDurationHoursMin: 1,
  flagDurationHoursMax: 720,
  codeDigits: 6,
  codeLifetimeMs: 10 * 60 * 1000,
  codeAttemptsMax: 3,
  /** Codes sent for one payment; past it, the payment is refused like a restricted customer's. */
  codesPerPaymentMax: 3,
} as const;

assert(defaultAbuseSettings.maxCancellationsPerHour >= abuseRules.maxCancellationsPerHourMin, 'default limit within bounds');
assert(defaultAbuseSettings.flagDurationHours <= abuseRules.flagDurationHoursMax, 'default duration within bounds');

/** The card simulator's fixed test code; ours never equals it, so the two can never be mistaken. */
const reservedCodes: ReadonlySet<string> = new Set(['000000']);

/** A uniformly drawn six-digit code (rejection sampling, so no digit is favoured). */
export function newVerificationCode(random: RandomSource): string {
  for (;;) {
    const value = random.bytes(4).readUInt32BE(0);
    if (value >= 4_000_000_000) continue;
    const code = String(value % 1_000_000).padStart(abuseRules.codeDigits, '0');
    if (!reservedCodes.has(code)) return code;
  }
}

/** Only a keyed hash of a code is stored; it is bound to its payment, so a code for one payment fits no other. */
export function verificationCodeHash(code: string, paymentId: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(`customer-verification:${paymentId}:${code}`).digest();
}

export function verificationCodeMatches(code: string, paymentId: string, key: Buffer, storedHash: Buffer): boolean {
  const given = verificationCodeHash(code, paymentId, key);
  return given.length === storedHash.length && timingSafeEqual(given, storedHash);
}

/** `+86 138 0013 8000` → `•••• 8000`; `wang@example.com` → `w•••@example.com`. */
export function maskRecipient(channel: 'sms' | 'email', recipient: string): string {
  if (channel === 'sms') return `•••• ${recipient.replace(/\D/g, '').slice(-4)}`;
  const at = recipient.lastIndexOf('@');
  return at < 1 ? '•••' : `${recipient.slice(0, 1)}•••${recipient.slice(at)}`;
}

const codeTexts: Record<Locale, { subject: string; body: string }> = {
  en: {
    subject: 'Your {merchant} verification code',
    body: 'Your {merchant} verification code is {code}. It expires in {minutes} minutes. If you did not try to pay, ignore this message.',
  },
  'zh-CN': {
    subject: '您的{merchant}验证码',
    body: '您的{merchant}付款验证码为 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本消息。',
  },
  'zh-TW': {
    subject: '您的{merchant}驗證碼',
    body: '您的{merchant}付款驗證碼為 {code}，{minutes} 分鐘內有效。如非本人操作，請忽略本訊息。',
  },
};

export function verificationMessage(locale: Locale, merchant: string, code: string): { subject: string; body: string } {
  const fill = (text: string) =>
    text.replace('{merchant}', merchant).replace('{code}', code).replace('{minutes}', String(abuseRules.codeLifetimeMs / 60_000));
  const text = codeTexts[locale];
  return { subject: fill(text.subject), body: fill(text.body) };
}
