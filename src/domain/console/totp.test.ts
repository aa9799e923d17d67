import { describe, expect, it } from 'vitest';
import { base32Encode, hotp, matchTotp, otpauthUri, totp, totpStep } from './totp.ts';

// RFC 4226 Appendix D and RFC 6238 Appendix B.
const rfc4226Secret = Buffer.from('12345678901234567890');
const sha256Secret = Buffer.from('12345678901234567890123456789012');
const sha512Secret = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234');

describe('HOTP (RFC 4226 test vectors)', () => {
  it('gives the ten codes of Appendix D', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(rfc4226Secret, BigInt(counter)))).toEqual(expected);
  });
});

describe('TOTP (RFC 6238 test vectors, 8 digits)', () => {
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  for (const [seconds, sha1, sha256, sha512] of vectors) {
    it(`at T=${seconds}`, () => {
      expect(totp(rfc4226Secret, seconds * 1000, 8, 'sha1')).toBe(sha1);
      expect(totp(sha256Secret, seconds * 1000, 8, 'sha256')).toBe(sha256);
      expect(totp(sha512Secret, seconds * 1000, 8, 'sha512')).toBe(sha512);
    });
  }
});

describe('matchTotp', () => {
  const nowMs = 1_111_111_111_000;
  it('accepts the current step and one either side, and nothing further', () => {
    const step = totpStep(nowMs);
    expect(matchTotp(rfc4226Secret, totp(rfc4226Secret, nowMs), nowMs, null)).toBe(step);
    expect(matchTotp(rfc4226Secret, totp(rfc4226Secret, nowMs - 30_000), nowMs, null)).toBe(step - 1n);
    expect(matchTotp(rfc4226Secret, totp(rfc4226Secret, nowMs + 30_000), nowMs, null)).toBe(step + 1n);
    expect(matchTotp(rfc4226Secret, totp(rfc4226Secret, nowMs - 90_000), nowMs, null)).toBeNull();
  });
  it('refuses a code whose step was already used (no replay), and an earlier one', () => {
    const step = totpStep(nowMs);
    const code = totp(rfc4226Secret, nowMs);
    expect(matchTotp(rfc4226Secret, code, nowMs, step)).toBeNull();
    expect(matchTotp(rfc4226Secret, totp(rfc4226Secret, nowMs - 30_000), nowMs, step)).toBeNull();
    expect(matchTotp(rfc4226Secret, totp(rfc4226Secret, nowMs + 30_000), nowMs, step)).toBe(step + 1n);
  });
  it('refuses what is not six digits', () => {
    expect(matchTotp(rfc4226Secret, '12345', nowMs, null)).toBeNull();
    expect(matchTotp(rfc4226Secret, '12345a', nowMs, null)).toBeNull();
  });
});

describe('otpauth URI', () => {
  it('carries the base32 secret, issuer and parameters', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI'); // RFC 4648 §10
    const uri = new URL(otpauthUri({ secret: rfc4226Secret, issuer: 'Paypilot Demo', account: 'a@example.com' }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(uri.searchParams.get('issuer')).toBe('Paypilot Demo');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
  });
});
