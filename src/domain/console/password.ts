/**
 * Console passwords: scrypt from node:crypto, with the cost parameters
 * stored beside each hash so they can be raised later without breaking old
 * ones, compared in constant time.
 *
 * Why scrypt and not argon2: scrypt is memory-hard, ships with Node (no
 * native package to build or download on a fresh clone), and OWASP lists it
 * with explicit parameters. The cost is OWASP's N=2^15, r=8, p=3 (32 MiB,
 * equivalent to its N=2^17, p=1 at a quarter of the memory per hash, so a
 * burst of sign-ins cannot exhaust memory): about 0.3 s on a shared
 * two-core machine. The lockout, not the hash, is what stops online guessing.
 */
import { scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { assert } from '../assert.ts';
import type { RandomSource } from '../clock.ts';

export const passwordLengthMin = 12;
export const passwordLengthMax = 256;
const scryptCost = { N: 2 ** 15, r: 8, p: 3 } as const;
const hashBytes = 32;
const saltBytes = 16;
const scryptMemoryMaxBytes = 64 * 1024 * 1024;

function scrypt(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(secret.normalize('NFKC'), salt, hashBytes, { ...options, maxmem: scryptMemoryMaxBytes }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Why a new password is refused, or null: long enough, not absurdly long, not one character repeated. */
export function passwordProblem(password: string): string | null {
  if (password.length < passwordLengthMin) return `at least ${passwordLengthMin} characters`;
  if (password.length > passwordLengthMax) return `at most ${passwordLengthMax} characters`;
  if (new Set(password).size < 4) return 'more than three different characters';
  return null;
}

export async function hashPassword(password: string, random: RandomSource): Promise<string> {
  assert(password.length <= passwordLengthMax, 'a password is bounded before it is hashed');
  const salt = random.bytes(saltBytes);
  const hash = await scrypt(password, salt, scryptCost);
  return `scrypt$${scryptCost.N}$${scryptCost.r}$${scryptCost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * Whether `password` matches `stored`. With no stored hash (an unknown email,
 * a member who never set a password) a hash is still computed, so the answer
 * takes as long as a wrong password does.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const bounded = password.slice(0, passwordLengthMax);
  const [scheme, n, r, p, salt, hash] = (stored ?? decoyHash).split('$');
  assert(scheme === 'scrypt' && n && r && p && salt && hash, 'a stored password hash has six fields');
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(bounded, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return stored !== null && bounded === password && actual.length === expected.length && timingSafeEqual(actual, expected);
}

const decoyHash = `scrypt$${scryptCost.N}$${scryptCost.r}$${scryptCost.p}$${Buffer.alloc(saltBytes).toString('base64')}$${Buffer.alloc(hashBytes).toString('base64')}`;
