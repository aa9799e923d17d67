/// <reference lib="dom" />
/**
 * sessionStorage, which a browser may refuse (private modes, disabled
 * storage): then the page works for this load and forgets on the next.
 */
export function readSession(key: string): string | null {
  try {
    return window.sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeSession(key: string, value: string): void {
  try {
    window.sessionStorage.setItem(key, value);
  } catch {
    // Storage refused: nothing to keep it in.
  }
}

export const languageStorageKey = 'paypilot.lang';

export function clientSecretStorageKey(paymentId: string): string {
  return `paypilot.client_secret.${paymentId}`;
}

/** localStorage, refused like sessionStorage may be: then nothing is remembered. */
export function readLocal(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeLocal(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Storage refused: the next checkout simply does not know.
  }
}

/**
 * This browser's own id for the checkout (a random UUID, first-party, kept in
 * localStorage): it keeps a payer without a customer record in the same
 * variant of a checkout experiment from one payment to the next.
 */
export const payerIdStorageKey = 'paypilot.payer_id';

export function payerId(): string {
  const kept = readLocal(payerIdStorageKey);
  if (kept && /^[A-Za-z0-9_-]{8,64}$/.test(kept)) return kept;
  const fresh = window.crypto.randomUUID();
  writeLocal(payerIdStorageKey, fresh);
  return fresh;
}

/** The method this browser last paid with (a payer without a customer record has only this). */
export const lastMethodStorageKey = 'paypilot.last_method';

/** The merchant's return_url, kept because confirming a QR or redirect method points the payment's return_url at the checkout itself. */
export function returnUrlStorageKey(paymentId: string): string {
  return `paypilot.return_url.${paymentId}`;
}
