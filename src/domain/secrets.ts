/**
 * API keys and stored credentials. Keys are random, shown once, and kept
 * only as a SHA-256 hash (they carry 192 bits of entropy, so a fast hash is
 * the right one: a slow hash protects guessable secrets like PINs). Provider
 * credentials are sealed with AES-256-GCM under a key derived from the
 * master key.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { assert } from './assert.ts';

export type KeyKind = 'secret' | 'publishable';
export type KeyMode = 'test' | 'live';

const keyPrefixes = { secret: 'sk', publishable: 'pk' } as const;

export function generateApiKey(kind: KeyKind, mode: KeyMode, random: (n: number) => Buffer = randomBytes): string {
  return `${keyPrefixes[kind]}_${mode}_${random(24).toString('base64url')}`;
}

export function parseApiKey(key: string): { kind: KeyKind; mode: KeyMode } | null {
  const match = /^(sk|pk)_(test|live)_[A-Za-z0-9_-]{32}$/.exec(key);
  if (!match) return null;
  return { kind: match[1] === 'sk' ? 'secret' : 'publishable', mode: match[2] as KeyMode };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** What a dashboard may show of a key after creation: its prefix and last four characters. */
export function apiKeyHint(key: string): string {
  return `${key.slice(0, 8)}…${key.slice(-4)}`;
}

export interface DerivedKeys {
  credentials: Buffer;
  cardFingerprint: Buffer;
  /** Mixed into every PIN hash, so a copy of the database alone cannot be searched for PINs. */
  pinPepper: Buffer;
  /** Signs the links to a payer's order page. */
  orderPage: Buffer;
  /** Keys the pseudonyms that stand for customer ids where personal data must not go (the archive's files). */
  customerPseudonym: Buffer;
  /** Keys the hashes of one-time codes sent to customers (abuse of cancellation). */
  customerVerification: Buffer;
  /** Seals the bodies of queued emails and SMS, which carry one-time codes and order-page links. */
  messages: Buffer;
  /** Signs the answer and unsubscribe links of emailed NPS surveys. */
  surveys: Buffer;
}

export function deriveKeys(masterKey: Buffer): DerivedKeys {
  assert(masterKey.length === 32, 'the master key is 32 bytes');
  const derive = (info: string): Buffer => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
  return {
    credentials: derive('paypilot/credentials/v1'),
    cardFingerprint: derive('paypilot/card-fingerprint/v1'),
    pinPepper: derive('paypilot/pin-pepper/v1'),
    orderPage: derive('paypilot/order-page/v1'),
    customerPseudonym: derive('paypilot/customer-pseudonym/v1'),
    customerVerification: derive('paypilot/customer-verification/v1'),
    messages: derive('paypilot/messages/v1'),
    surveys: derive('paypilot/surveys/v1'),
  };
}

/**
 * The token in a payer's order-page link: a MAC of the payment id, so the
 * link opens that order's page alone and needs nothing stored.
 */
export function orderPageToken(paymentId: string, key: Buffer): string {
  return createHmac('sha256', key).update(`order-page:${paymentId}`).digest('base64url').slice(0, 32);
}

const sealVersion = 1;

/** AES-256-GCM: version byte, 12-byte nonce, 16-byte tag, ciphertext. */
export function seal(plaintext: string, key: Buffer, associatedData: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(associatedData));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([sealVersion]), nonce, cipher.getAuthTag(), ciphertext]);
}

export function unseal(sealed: Buffer, key: Buffer, associatedData: string): string {
  assert(sealed[0] === sealVersion, 'unknown sealed-data version');
  const nonce = sealed.subarray(1, 13);
  const tag = sealed.subarray(13, 29);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(associatedData));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
}
