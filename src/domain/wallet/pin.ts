/**
 * Payment PINs: six digits, never stored, kept as scrypt(HMAC(pepper, pin))
 * with a random salt and compared in constant time. Six digits are only a
 * million guesses, so what really protects a PIN is the lockout (see
 * `pinLockout`) and the pepper, which lives outside the database.
 */
import { createHmac, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { assert } from '../assert.ts';
import type { RandomSource } from '../clock.ts';
import { limits } from '../limits.ts';

const pinPattern = /^\d{6}$/;

/** Costs of the hash; stored with it, so they can be raised later without breaking old PINs. */
const scryptCost = { N: 2 ** 14, r: 8, p: 1 } as const;
const hashBytes = 32;
const saltBytes = 16;

function scrypt(secret: Buffer, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(secret, salt, hashBytes, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export function isPinFormat(pin: string): boolean {
  return pinPattern.test(pin);
}

/** PINs a stranger tries first: one digit six times, or a run up or down (123456, 987654). */
export function isGuessablePin(pin: string): boolean {
  assert(isPinFormat(pin), 'a PIN is six digits');
  const digits = [...pin].map(Number);
  const steps = new Set(digits.slice(1).map((digit, index) => digit - (digits[index] ?? 0)));
  return steps.size === 1 && [0, 1, -1].includes([...steps][0] ?? 99);
}

export async function hashPin(pin: string, pepper: Buffer, random: RandomSource): Promise<string> {
  assert(isPinFormat(pin), 'a PIN is six digits');
  const salt = random.bytes(saltBytes);
  const hash = await scrypt(createHmac('sha256', pepper).update(pin).digest(), salt, scryptCost);
  return `scrypt$${scryptCost.N}$${scryptCost.r}$${scryptCost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPin(pin: string, stored: string, pepper: Buffer): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  assert(scheme === 'scrypt' && n && r && p && salt && hash, 'a stored PIN hash has six fields');
  const expected = Buffer.from(hash, 'base64');
  // A malformed PIN is hashed anyway, so a wrong format takes as long as a wrong PIN.
  const actual = await scrypt(createHmac('sha256', pepper).update(pin).digest(), Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return isPinFormat(pin) && actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** What the count of wrong tries in a row means for the payer. */
export function pinLockout(failedAttempts: number, lockedUntil: Date | null, nowMs: number) {
  const locked = lockedUntil !== null && lockedUntil.getTime() > nowMs;
  return {
    locked,
    unlocksAt: locked ? lockedUntil : null,
    attemptsRemaining: locked ? 0 : Math.max(0, limits.pinAttemptsMax - (lockedUntil ? 0 : failedAttempts)),
  };
}
