/**
 * HOTP (RFC 4226) and TOTP (RFC 6238): the codes any authenticator app shows.
 * Small enough to keep here, with the RFCs' test vectors as its tests, rather
 * than depend on a library for forty lines. Six digits, 30-second steps,
 * HMAC-SHA1 (what every app supports); a code is accepted for the step
 * before and after the current one, for clocks that drift.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { assert } from '../assert.ts';

export const totpStepSeconds = 30;
export const totpDigits = 6;
/** Steps either side of now that still count (RFC 6238 §5.2 recommends at most one). */
export const totpDriftSteps = 1;

export type HotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export function hotp(secret: Buffer, counter: bigint, digits = totpDigits, algorithm: HotpAlgorithm = 'sha1'): string {
  assert(counter >= 0n, 'an HOTP counter is not negative');
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(counter);
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export function totpStep(nowMs: number): bigint {
  return BigInt(Math.floor(nowMs / 1000 / totpStepSeconds));
}

export function totp(secret: Buffer, nowMs: number, digits = totpDigits, algorithm: HotpAlgorithm = 'sha1'): string {
  return hotp(secret, totpStep(nowMs), digits, algorithm);
}

/**
 * The time step a code belongs to, among the steps around now that are
 * later than `lastUsedStep` (a step once used is never taken again), or null.
 * Every candidate is compared, in constant time, so the answer's timing does
 * not say which step matched.
 */
export function matchTotp(secret: Buffer, code: string, nowMs: number, lastUsedStep: bigint | null): bigint | null {
  if (!/^\d{6}$/.test(code)) return null;
  const current = totpStep(nowMs);
  let matched: bigint | null = null;
  for (let delta = -totpDriftSteps; delta <= totpDriftSteps; delta += 1) {
    const step = current + BigInt(delta);
    if (step < 0n) continue;
    const same = timingSafeEqual(Buffer.from(hotp(secret, step)), Buffer.from(code));
    if (same && matched === null && (lastUsedStep === null || step > lastUsedStep)) matched = step;
  }
  return matched;
}

/** RFC 4648 base32 without padding: how otpauth URIs carry the secret. */
export function base32Encode(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** The URI an authenticator app reads from the QR code (Google's Key Uri Format). */
export function otpauthUri(options: { secret: Buffer; issuer: string; account: string }): string {
  const label = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.account)}`;
  const query = new URLSearchParams({
    secret: base32Encode(options.secret),
    issuer: options.issuer,
    algorithm: 'SHA1',
    digits: String(totpDigits),
    period: String(totpStepSeconds),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
}
