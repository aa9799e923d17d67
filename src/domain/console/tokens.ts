/**
 * The console's random tokens: session tokens, CSRF tokens, emailed links
 * and recovery codes. Each carries at least 128 bits from the injected
 * random source and is kept only as a SHA-256 hash (a fast hash is right
 * for random secrets; a slow one protects guessable ones like passwords).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RandomSource } from '../clock.ts';

export function newToken(random: RandomSource, bytes = 32): string {
  return random.bytes(bytes).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export const recoveryCodesPerMember = 10;

/** A recovery code a person can type: 16 characters of Crockford base32 (80 bits) in groups of four. */
export function newRecoveryCode(random: RandomSource): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const bytes = random.bytes(16);
  const chars = [...bytes].map((byte) => alphabet[byte & 31]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/** Recovery codes are compared as typed, case and dashes aside. */
export function normalizeRecoveryCode(code: string): string {
  const bare = code.toLowerCase().replace(/[\s-]/g, '');
  return bare.length === 16 ? bare.match(/.{4}/g)!.join('-') : bare;
}
