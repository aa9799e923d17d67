/**
 * Masking of personal data for what leaves the live database (the archive's
 * NDJSON files): an email keeps its first character and its domain, a phone
 * number its last four digits, a customer id becomes a keyed pseudonym (the
 * same customer gives the same pseudonym, so archived rows can still be
 * grouped by payer, but nobody without the key can tell who it is), and free
 * text keeps its words with any email or phone number inside it masked.
 *
 * Phone numbers in free text are recognised by their digits (seven or more,
 * with spaces, dots, dashes or brackets between them): a date or a long
 * order number written in a comment is masked too. Masking too much is the
 * safe mistake here.
 */
import { createHmac } from 'node:crypto';

const maskMark = '***';
const phoneDigitsKept = 4;
const phoneDigitsMin = 7;

const emailPattern = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const phonePattern = /\+?\d(?:[\d\s().-]*\d)?/g;

/** `wang.fang@example.com` → `w***@example.com`; anything that is not an email → `***`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1 || at === email.length - 1) return maskMark;
  return `${email.slice(0, 1)}${maskMark}${email.slice(at)}`;
}

/** `+86 138 0013 8000` → `***8000`; fewer than four digits → `***`. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length <= phoneDigitsKept) return maskMark;
  return `${maskMark}${digits.slice(-phoneDigitsKept)}`;
}

/** Free text with every email and phone number in it masked; the rest kept as written. */
export function maskFreeText(text: string): string {
  return text.replace(emailPattern, (email) => maskEmail(email)).replace(phonePattern, (candidate) => {
    const digits = candidate.replace(/\D/g, '').length;
    return digits >= phoneDigitsMin ? maskPhone(candidate) : candidate;
  });
}

/** A customer id's stand-in: `cus_…` → `cush_` + 26 characters of HMAC-SHA256 under `key`. */
export function pseudonymizeCustomerId(customerId: string, key: Buffer): string {
  return `cush_${createHmac('sha256', key).update(`customer:${customerId}`).digest('base64url').slice(0, 26)}`;
}

/** What to do with a field, decided by its name. */
export type FieldMasking = 'email' | 'phone' | 'customer_id' | 'free_text' | 'keep';

const alreadyPseudonymous = /^cus[hp]_[A-Za-z0-9_-]{26}$/;
const customerIdFields = new Set(['customer', 'customer_id']);
const freeTextFields = new Set(['comment', 'note', 'description', 'reason', 'message', 'text', 'detail', 'details', 'merchant_note', 'cancellation_comment']);

export function fieldMasking(name: string): FieldMasking {
  if (customerIdFields.has(name)) return 'customer_id';
  if (/email/.test(name)) return 'email';
  if (/phone|mobile/.test(name)) return 'phone';
  if (freeTextFields.has(name)) return 'free_text';
  return 'keep';
}

/**
 * A record (a table row as JSON) with its personal data masked, nested
 * objects and arrays included. Fields are treated by their names (above);
 * an email is masked in every string whatever its field, since no id or code
 * contains an `@`.
 */
export function maskRecord(record: Record<string, unknown>, customerKey: Buffer): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record)) masked[name] = maskValue(value, fieldMasking(name), customerKey);
  return masked;
}

function maskValue(value: unknown, masking: FieldMasking, customerKey: Buffer): unknown {
  if (typeof value === 'string') return maskString(value, masking, customerKey);
  if (Array.isArray(value)) return value.map((item) => maskValue(item, masking, customerKey));
  if (value !== null && typeof value === 'object') return maskRecord(value as Record<string, unknown>, customerKey);
  // Numbers cannot be emails, but a phone stored as a number still is a phone.
  if (typeof value === 'number' && masking === 'phone') return maskPhone(String(value));
  return value;
}

function maskString(value: string, masking: FieldMasking, customerKey: Buffer): string {
  switch (masking) {
    case 'email':
      return maskEmail(value);
    case 'phone':
      return maskPhone(value);
    case 'customer_id':
      // Cancellation records already hold a keyed pseudonym (`cusp_…`): kept, so the archive matches the analytics API.
      return alreadyPseudonymous.test(value) ? value : pseudonymizeCustomerId(value, customerKey);
    case 'free_text':
      return maskFreeText(value);
    case 'keep':
      return value.replace(emailPattern, (email) => maskEmail(email));
  }
}
