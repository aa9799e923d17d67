/**
 * What Paypilot keeps of a card: brand, last four, expiry and a keyed
 * fingerprint, never the number.
 */
import { createHmac } from 'node:crypto';
import { cardBrand, type CardInput, type StoredCard } from './card.ts';

/** The same card gives the same fingerprint for one key; the key keeps it from being a hash of the number. */
export function cardFingerprint(number: string, fingerprintKey: Buffer): string {
  return createHmac('sha256', fingerprintKey).update(number).digest('base64url').slice(0, 22);
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
