/**
 * UnionPay signMethod 01 on a fixed example: what is signed (sorted fields
 * without `signature`, their SHA-256 as lower-case hex) and what is not (the
 * raw string, a tampered field, another key), plus the wire encodings the
 * connector and the simulator share.
 */
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalDigestHex, canonicalString, signatureOf, signFields, verifyFields } from './signature.ts';
import { encodeAnswer, formatBeijingTime, parseAnswer, parseBeijingTime, parseForm } from './wire.ts';

function keyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const merchant = keyPair();
const stranger = keyPair();

/** Deliberately out of order, with a stale signature that must not be signed over. */
const example = {
  version: '5.1.0',
  txnType: '01',
  merId: '777290058110048',
  orderId: 'ORDER20260101',
  txnTime: '20260101080000',
  txnAmt: '1000',
  currencyCode: '156',
  bizType: '000201',
  accessType: '0',
  signature: 'c3RhbGU=',
};

const expectedCanonical =
  'accessType=0&bizType=000201&currencyCode=156&merId=777290058110048&orderId=ORDER20260101&txnAmt=1000&txnTime=20260101080000&txnType=01&version=5.1.0';
const expectedDigest = '669d5e6fc507a173d6ea41018eca1cb6f65c9e28eb5d6e54fa554a0a8081a167';

describe('signature building (signMethod 01)', () => {
  it('sorts the fields by name and leaves the signature out', () => {
    expect(canonicalString(example)).toBe(expectedCanonical);
    expect(canonicalString(example)).not.toContain('signature');
  });

  it('hashes the sorted string to lower-case hex SHA-256', () => {
    expect(canonicalDigestHex(example)).toBe(expectedDigest);
    expect(createHash('sha256').update(expectedCanonical).digest('hex')).toBe(expectedDigest);
  });

  it('signs the hex digest string with SHA256withRSA, not the raw string', () => {
    const signature = Buffer.from(signatureOf(example, merchant.privateKeyPem), 'base64');
    expect(verify('sha256', Buffer.from(expectedDigest, 'utf8'), merchant.publicKeyPem, signature)).toBe(true);
    expect(verify('sha256', Buffer.from(expectedCanonical, 'utf8'), merchant.publicKeyPem, signature)).toBe(false);
  });

  it('gives the same signature for the same fields whatever their order (PKCS#1 v1.5 is deterministic)', () => {
    const reversed = Object.fromEntries(Object.entries(example).reverse());
    expect(signatureOf(reversed, merchant.privateKeyPem)).toBe(signatureOf(example, merchant.privateKeyPem));
  });

  it('refuses to sign a blank field, which the SDK would have dropped', () => {
    expect(() => signFields({ orderId: 'ORDER20260101', frontUrl: '' }, merchant.privateKeyPem)).toThrow(/blank/);
  });
});

describe('signature verification', () => {
  const { signature: _stale, ...unsigned } = example;
  const signed = signFields(unsigned, merchant.privateKeyPem);

  it('verifies a round trip with the public key', () => {
    expect(verifyFields(signed, merchant.publicKeyPem)).toBe(true);
  });

  it('rejects a tampered amount, an added field and a removed field', () => {
    expect(verifyFields({ ...signed, txnAmt: '1' }, merchant.publicKeyPem)).toBe(false);
    expect(verifyFields({ ...signed, reserved: 'x' }, merchant.publicKeyPem)).toBe(false);
    const { orderId: _orderId, ...withoutOrder } = signed;
    expect(verifyFields(withoutOrder, merchant.publicKeyPem)).toBe(false);
  });

  it('rejects another key, a missing or garbled signature, and a key that is not PEM, without throwing', () => {
    expect(verifyFields(signed, stranger.publicKeyPem)).toBe(false);
    expect(verifyFields(signFields(unsigned, stranger.privateKeyPem), merchant.publicKeyPem)).toBe(false);
    const { signature: _signature, ...unsignedAgain } = signed;
    expect(verifyFields(unsignedAgain, merchant.publicKeyPem)).toBe(false);
    expect(verifyFields({ ...signed, signature: 'not base64 !' }, merchant.publicKeyPem)).toBe(false);
    expect(verifyFields(signed, 'not a key')).toBe(false);
  });
});

describe('wire encodings', () => {
  it('formats and parses Beijing time (UTC+8) and refuses impossible dates', () => {
    const ms = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(formatBeijingTime(ms)).toBe('20260101080000');
    expect(parseBeijingTime('20260101080000')).toBe(ms);
    expect(formatBeijingTime(Date.UTC(2026, 0, 1, 16, 30, 5))).toBe('20260102003005');
    expect(parseBeijingTime('20260231120000')).toBeNull();
    expect(parseBeijingTime('2026010108000')).toBeNull();
  });

  it('reads raw answers as the SDK does: unencoded values, braces kept whole, repeats refused', () => {
    expect(parseAnswer('a=1&signature=ab+/c==&reserved={x=1&y=2}&b=')).toEqual({ a: '1', signature: 'ab+/c==', reserved: '{x=1&y=2}', b: '' });
    expect(parseAnswer('a=1&a=2')).toBeNull();
    expect(parseAnswer('a=1&{b=2')).toBeNull();
    expect(parseAnswer('<html>')).toBeNull();
    const fields = { respCode: '00', signature: 'AB+/==' };
    expect(parseAnswer(encodeAnswer(fields))).toEqual(fields);
  });

  it('reads forms URL-decoded and refuses a repeated field', () => {
    expect(parseForm('signature=ab%2B%2Fc%3D%3D&respMsg=OK+done')).toEqual({ signature: 'ab+/c==', respMsg: 'OK done' });
    expect(parseForm('orderId=A&orderId=B')).toBeNull();
  });
});
