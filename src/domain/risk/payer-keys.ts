/**
 * How payer details are keyed for velocity and the blocklist: an address is
 * normalized and kept only as a keyed hash (like a card's fingerprint, with
 * its own prefix so the two never collide); an email is lower-cased and a
 * phone number kept as its digits with a leading +.
 */
import { createHmac } from 'node:crypto';

export interface PayerAddress {
  line1?: string;
  line2?: string;
  city?: string;
  postal_code?: string;
  country?: string;
}

function squeeze(text: string | undefined): string {
  return (text ?? '').normalize('NFKC').toLowerCase().replace(/[\s,.#-]+/g, ' ').trim();
}

/** The keyed hash of an address, or null when it names no street (a country alone is not an address). */
export function addressKey(address: PayerAddress | undefined, fingerprintKey: Buffer): string | null {
  if (!address || squeeze(address.line1) === '') return null;
  const normalized = [address.line1, address.line2, address.city, address.postal_code, address.country].map(squeeze).join('|');
  return createHmac('sha256', fingerprintKey).update(`address:${normalized}`).digest('base64url').slice(0, 22);
}

export function addressCountry(address: PayerAddress | undefined): string | null {
  const country = address?.country?.trim().toUpperCase();
  return country && /^[A-Z]{2}$/.test(country) ? country : null;
}

export function normalizeEmail(email: string | null | undefined): string | null {
  const trimmed = email?.trim().toLowerCase();
  return trimmed ? trimmed : null;
}

export function normalizePhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const digits = phone.replace(/[^\d]/g, '');
  return digits ? `${phone.trim().startsWith('+') ? '+' : ''}${digits}` : null;
}
