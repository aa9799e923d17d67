/**
 * What Paypilot keeps of a card: brand, last four, expiry and a keyed
 * fingerprint, never the number.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { cardBrand, type CardInput, type StoredCard } from './card.ts';

/** The same card gives the same fingerprint for one key; the key keeps it from being a hash of the number. */
export function cardFingerprint(number: string, fingerprintKey: Buffer): string {
  return createHmac('sha256', secretKeyOf(fingerprintKey)).update(number).digest('base64url').slice(0, 22);
}

/**
 * The key object of each fingerprint key, made once: an HMAC keyed with a Buffer imports the key on every call
 * (about 12 µs on Node 24 here, against under 2 µs with a key object; issue 14). Keyed by the Buffer itself, so
 * an entry goes when its key does. The keys are derived once at start-up and never written to (domain/secrets.ts):
 * a Buffer changed in place after its first use would keep its first bytes here.
 */
const secretKeys = new WeakMap<Buffer, KeyObject>();

function secretKeyOf(key: Buffer): KeyObject {
  let secretKey = secretKeys.get(key);
  if (secretKey === undefined) {
    secretKey = createSecretKey(key);
    secretKeys.set(key, secretKey);
  }
  return secretKey;
}

export function toStoredCard(card: CardInput, fingerprintKey: Buffer): StoredCard {
  return {
    brand: cardBrand(card.number),
    last4: card.number.slice(-4),
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    fingerprint: cardFingerprint(card.number, fingerprintKey),
  };
}
