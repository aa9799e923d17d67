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
