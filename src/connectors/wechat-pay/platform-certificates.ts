/**
 * WeChat Pay's platform keys, by which its answers and notifications are
 * checked. Two modes, chosen by the account's credentials:
 *
 * - platform public key mode (WeChat's newer one): `platform_serial` is the
 *   key's id, `PUB_KEY_ID_…`, and `platform_public_key` the key; nothing is
 *   downloaded and `Wechatpay-Serial` must be that id;
 * - certificate mode (`platform_serial` a certificate serial, or both left
 *   out): the keys are the platform certificates `GET /v3/certificates`
 *   hands out, each sealed with AEAD_AES_256_GCM under the APIv3 key (which
 *   is what makes them trusted: only WeChat and the merchant know that key,
 *   as the official SDKs reason). A configured key and serial count as one
 *   more certificate, the first one known.
 *
 * The downloaded certificates are kept per account, for a bounded number of
 * accounts (the least recently used goes first), and fetched: before the
 * first call when no certificate is configured (with one, it is trusted
 * alone until the first refresh is due), every 12 hours, when the newest is
 * within a day of its expiry, and when an answer or a notification names a
 * serial we do not know (at most once a minute an account, so forged
 * serials cannot make us hammer WeChat). A download is a
 * network call made outside any transaction; one at a time per account.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { assert } from '../../domain/assert.ts';
import { decryptAeadAesGcm } from './signing.ts';
import { isObject } from './wire.ts';

export interface PlatformKey {
  serial: string;
  publicKey: KeyObject;
  /** Null for a configured key, which does not expire by itself. */
  notAfterMs: number | null;
}

/** `PUB_KEY_ID_` then digits: WeChat's id of a platform public key. */
export const publicKeyIdPattern = /^PUB_KEY_ID_[0-9A-Za-z]{1,64}$/;

export const platformKeyPolicy = {
  accountsMax: 1_000,
  certificatesPerAccountMax: 16,
  refreshEveryMs: 12 * 60 * 60 * 1000,
  refreshBeforeExpiryMs: 24 * 60 * 60 * 1000,
  unknownSerialRefreshGapMs: 60 * 1000,
} as const;

assert(platformKeyPolicy.refreshBeforeExpiryMs > platformKeyPolicy.refreshEveryMs, 'a certificate near expiry is replaced before a 12-hour refresh could miss it');

/** The answer of `/v3/certificates` opened: its certificates, or why it cannot be believed. */
export function readCertificates(body: unknown, apiv3Key: string, nowMs: number): { keys: PlatformKey[] } | { error: string } {
  if (!isObject(body) || !Array.isArray(body.data)) return { error: 'the certificates answer has no data' };
  if (body.data.length > platformKeyPolicy.certificatesPerAccountMax) return { error: `more than ${platformKeyPolicy.certificatesPerAccountMax} certificates` };
  const keys: PlatformKey[] = [];
  for (const item of body.data as unknown[]) {
    if (!isObject(item) || typeof item.serial_no !== 'string' || !isObject(item.encrypt_certificate)) return { error: 'a certificate entry is malformed' };
    const sealed = item.encrypt_certificate;
    if (sealed.algorithm !== 'AEAD_AES_256_GCM' || typeof sealed.ciphertext !== 'string' || typeof sealed.nonce !== 'string' || typeof sealed.associated_data !== 'string') {
      return { error: `certificate ${item.serial_no} is not sealed with AEAD_AES_256_GCM` };
    }
    const pem = decryptAeadAesGcm(apiv3Key, { ciphertext: sealed.ciphertext, nonce: sealed.nonce, associated_data: sealed.associated_data });
    if (pem === null) return { error: `certificate ${item.serial_no} does not open under the APIv3 key` };
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      return { error: `certificate ${item.serial_no} is not an X.509 certificate` };
    }
    if (certificate.serialNumber.toUpperCase() !== item.serial_no.toUpperCase()) return { error: `certificate ${item.serial_no} carries serial ${certificate.serialNumber}` };
    const notAfterMs = Date.parse(certificate.validTo);
    const notBeforeMs = Date.parse(certificate.validFrom);
    if (Number.isNaN(notAfterMs) || Number.isNaN(notBeforeMs)) return { error: `certificate ${item.serial_no} has an unreadable validity` };
    // An expired certificate, or one not valid yet, verifies nothing.
    if (notAfterMs <= nowMs || notBeforeMs > nowMs) continue;
    keys.push({ serial: item.serial_no.toUpperCase(), publicKey: certificate.publicKey, notAfterMs });
  }
  return { keys };
}

interface Kept {
  keys: PlatformKey[];
  fetchedMs: number;
  /** When an unknown serial last made us fetch. */
  unknownSerialFetchMs: number;
}

/**
 * The certificates downloaded for each account: a cache the connector keeps
 * (a connector holds no other state). Bounded by platformKeyPolicy.accountsMax.
 */
export class PlatformCertificateCache {
  private readonly kept = new Map<string, Kept>();
  private readonly inFlight = new Map<string, Promise<void>>();

  /** What is kept for the account (most recently used moves last). */
  keys(accountId: string): PlatformKey[] {
    const kept = this.kept.get(accountId);
    if (kept === undefined) return [];
    this.kept.delete(accountId);
    this.kept.set(accountId, kept);
    return kept.keys;
  }

  /** Due for a download: never fetched, fetched 12 hours ago, or the newest certificate expires within a day. */
  isDue(accountId: string, nowMs: number): boolean {
    const kept = this.kept.get(accountId);
    if (kept === undefined) return true;
    if (nowMs - kept.fetchedMs >= platformKeyPolicy.refreshEveryMs) return true;
    // Nothing downloaded yet (a configured certificate carries on alone): only the 12-hour rule applies.
    if (kept.keys.length === 0) return false;
    const latestExpiryMs = Math.max(...kept.keys.map((key) => key.notAfterMs ?? 0), 0);
    return latestExpiryMs - nowMs <= platformKeyPolicy.refreshBeforeExpiryMs;
  }

  /** True when an unknown serial may make us download now (and notes that it did). */
  claimUnknownSerialFetch(accountId: string, nowMs: number): boolean {
    const kept = this.kept.get(accountId);
    if (kept !== undefined && nowMs - kept.unknownSerialFetchMs < platformKeyPolicy.unknownSerialRefreshGapMs) return false;
    if (kept !== undefined) kept.unknownSerialFetchMs = nowMs;
    return true;
  }

  /** True once the account has an entry (downloaded, or started on its configured certificate). */
  has(accountId: string): boolean {
    return this.kept.has(accountId);
  }

  store(accountId: string, keys: PlatformKey[], nowMs: number): void {
    const previous = this.kept.get(accountId);
    this.kept.delete(accountId);
    this.kept.set(accountId, { keys, fetchedMs: nowMs, unknownSerialFetchMs: previous?.unknownSerialFetchMs ?? Number.NEGATIVE_INFINITY });
    while (this.kept.size > platformKeyPolicy.accountsMax) this.kept.delete(this.kept.keys().next().value as string);
  }

  /** Runs `download` unless one is already running for the account, whose end is then awaited instead. */
  async once(accountId: string, download: () => Promise<void>): Promise<void> {
    const running = this.inFlight.get(accountId);
    if (running !== undefined) return running;
    const started = download().finally(() => this.inFlight.delete(accountId));
    this.inFlight.set(accountId, started);
    return started;
  }

  size(): number {
    return this.kept.size;
  }
}

/** The account's configured key, if any, as a platform key; null when none is configured or it cannot be read. */
export function configuredKey(credentials: { platform_public_key?: string; platform_serial?: string }): PlatformKey | null {
  const { platform_public_key: pem, platform_serial: serial } = credentials;
  if (!pem || !serial) return null;
  try {
    return { serial, publicKey: createPublicKey(pem), notAfterMs: null };
  } catch {
    return null;
  }
}

/** Public key mode: the configured serial is a `PUB_KEY_ID_…`, and nothing is downloaded. */
export function isPublicKeyMode(credentials: { platform_serial?: string }): boolean {
  return credentials.platform_serial !== undefined && publicKeyIdPattern.test(credentials.platform_serial);
}
