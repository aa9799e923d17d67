/**
 * WeChat Pay API v3 signing, verification and AEAD_AES_256_GCM, on fixed
 * examples and the official Go SDK's public decryption vector.
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authorizationHeader,
  decryptAeadAesGcm,
  encryptAeadAesGcm,
  parseAuthorizationHeader,
  requestSigningMessage,
  signMessage,
  verifyWechatpaySignature,
  wechatpayHeaders,
} from './signing.ts';

const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platformPublicKey = platform.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const platformPrivateKey = platform.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const platformSerial = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';

describe('AEAD_AES_256_GCM', () => {
  it('decrypts the public vector of the official Go SDK (16-byte key, so AES-128-GCM)', () => {
    const plain = decryptAeadAesGcm('testAPIv3Key0000', {
      nonce: 'wCq51qZv4Yfg',
      associated_data: 'Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8',
      ciphertext: 'FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC',
    });
    expect(plain?.toString('utf8')).toBe('Hello World');
  });

  it('refuses the vector with another associated data, nonce or key, or a flipped bit', () => {
    const vector = { nonce: 'wCq51qZv4Yfg', associated_data: 'Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8', ciphertext: 'FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC' };
    expect(decryptAeadAesGcm('testAPIv3Key0000', { ...vector, associated_data: 'transaction' })).toBeNull();
    expect(decryptAeadAesGcm('testAPIv3Key0000', { ...vector, nonce: 'wCq51qZv4Yfh' })).toBeNull();
    expect(decryptAeadAesGcm('testAPIv3Key0001', vector)).toBeNull();
    const flipped = Buffer.from(vector.ciphertext, 'base64');
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(decryptAeadAesGcm('testAPIv3Key0000', { ...vector, ciphertext: flipped.toString('base64') })).toBeNull();
  });

  it('refuses keys that are neither 16 nor 32 bytes, and short cipher texts, without throwing', () => {
    const vector = { nonce: 'wCq51qZv4Yfg', associated_data: '', ciphertext: 'FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC' };
    expect(decryptAeadAesGcm('short', vector)).toBeNull();
    expect(decryptAeadAesGcm('testAPIv3Key0000', { ...vector, ciphertext: 'AAAA' })).toBeNull();
    expect(decryptAeadAesGcm('testAPIv3Key0000', { ...vector, nonce: 'short' })).toBeNull();
  });

  it('opens with a 32-byte APIv3 key (AES-256) what it sealed, and the tag is the last 16 bytes', () => {
    const key = 'a'.repeat(32);
    const sealed = encryptAeadAesGcm(key, '0123456789ab', 'transaction', '{"out_trade_no":"A1"}');
    expect(Buffer.from(sealed.ciphertext, 'base64').length).toBe('{"out_trade_no":"A1"}'.length + 16);
    expect(decryptAeadAesGcm(key, sealed)?.toString('utf8')).toBe('{"out_trade_no":"A1"}');
    expect(decryptAeadAesGcm('b'.repeat(32), sealed)).toBeNull();
  });
});

describe('request signing', () => {
  it('builds the five-line message of the documentation, BODY empty for GET', () => {
    // The example of WeChat Pay's signing guide.
    const message = requestSigningMessage({
      method: 'GET',
      pathWithQuery: '/v3/certificates',
      timestamp: '1554208460',
      nonce: '593BEC0C930BF1AFEB40B4A08C8FB242',
      body: '',
    });
    expect(message).toBe('GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n');
    const post = requestSigningMessage({ method: 'POST', pathWithQuery: '/v3/pay/transactions/native', timestamp: '1', nonce: 'N', body: '{"a":1}' });
    expect(post).toBe('POST\n/v3/pay/transactions/native\n1\nN\n{"a":1}\n');
    expect(post.split('\n')).toHaveLength(6);
  });

  it('signs with SHA256withRSA in base64, verifiable with the public key', () => {
    const message = 'GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n';
    const signature = signMessage(message, platformPrivateKey);
    expect(signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(signature, 'base64')).toHaveLength(256);
    expect(verify('sha256', Buffer.from(message), platform.publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(verify('sha256', Buffer.from(message.replace('GET', 'PUT')), platform.publicKey, Buffer.from(signature, 'base64'))).toBe(false);
  });

  it('writes the Authorization header in the documented format and reads it back', () => {
    const fields = { mchid: '1900009191', nonce_str: '593BEC0C930BF1AFEB40B4A08C8FB242', timestamp: '1554208460', serial_no: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C', signature: 'uOVRnA4qG/MNnYzdQxJanN+zU+lTgIcnU9BxGw5dKjK+VdEUz2FeIoC+D5sB/LN+nGzX3hfZg6r5wT1pl2ZobmIc6p0ldN7J6yDgUzbX8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuDdCvNv4TM3c1WzsXUrExwVkI1XO5jCNbgDJ25nkT/c1gIFvqoogl7MdSFGc4W4xZsqCItnqbypR3RuGIlR9h9vlRsy7zJR9PBI83X8alLDIfR1ukt1P7tMnmogZ0cuDY8cZsd8ZlCgLadmvej58SLsIkVxFJ8XyUgx9FmutKSYTmYtWBZ0+tNvfGmbXU7cob8H/4nLBiCwIUFluw==' };
    const header = authorizationHeader(fields);
    expect(header).toBe(
      `WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",signature="${fields.signature}"`,
    );
    expect(parseAuthorizationHeader(header)).toEqual(fields);
    expect(parseAuthorizationHeader(`Bearer x`)).toBeNull();
    expect(parseAuthorizationHeader(header.replace(',serial_no=', ',serial='))).toBeNull();
  });
});

describe('verifying an answer or a notification', () => {
  const nowMs = Date.UTC(2026, 5, 15, 12);
  const body = '{"code_url":"weixin://wxpay/bizpayurl?pr=abc"}';
  const signed = (options: { timestampMs?: number; serial?: string; key?: string } = {}) =>
    wechatpayHeaders({
      body,
      timestamp: String(Math.floor((options.timestampMs ?? nowMs) / 1000)),
      nonce: 'C5AC8CAF6A4D4A4EB2A6D9F6C5E6D4A1',
      privateKey: options.key ?? platformPrivateKey,
      serial: options.serial ?? platformSerial,
    });
  const check = (headers: Record<string, string>, raw: string = body, at = nowMs) =>
    verifyWechatpaySignature({ headers, body: Buffer.from(raw), platformPublicKey, platformSerial, nowMs: at });

  it('accepts a fresh answer signed by the platform key, whatever the case of the header names', () => {
    expect(check(signed())).toEqual({ ok: true });
    const lower = Object.fromEntries(Object.entries(signed()).map(([name, value]) => [name.toLowerCase(), value]));
    expect(check(lower)).toEqual({ ok: true });
    expect(check(signed({ timestampMs: nowMs - 299_000 }))).toEqual({ ok: true });
  });

  it('rejects a timestamp 5 minutes or more from now, in either direction', () => {
    expect(check(signed({ timestampMs: nowMs - 300_000 })).ok).toBe(false);
    expect(check(signed({ timestampMs: nowMs - 600_000 })).ok).toBe(false);
    expect(check(signed({ timestampMs: nowMs + 300_000 })).ok).toBe(false);
  });

  it('rejects a serial that is not the platform serial, even with a valid signature', () => {
    const result = check(signed({ serial: 'FFFF' }));
    expect(result.ok).toBe(false);
  });

  it('rejects a tampered body, a signature from another key, and missing headers', () => {
    expect(check(signed(), body.replace('abc', 'abd')).ok).toBe(false);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(check(signed({ key: other })).ok).toBe(false);
    const { 'Wechatpay-Signature': _dropped, ...withoutSignature } = signed();
    expect(check(withoutSignature).ok).toBe(false);
    expect(check({ ...signed(), 'Wechatpay-Signature': 'not base64 at all!' }).ok).toBe(false);
    expect(check({ ...signed(), 'Wechatpay-Timestamp': '1e9' }).ok).toBe(false);
  });

  it('rejects when the configured platform key is unreadable, without throwing', () => {
    const result = verifyWechatpaySignature({ headers: signed(), body, platformPublicKey: 'garbage', platformSerial, nowMs });
    expect(result.ok).toBe(false);
  });
});
