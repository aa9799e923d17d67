/** One signed, verified HTTP exchange with WeChat Pay v3 (WECHATPAY2-SHA256-RSA2048), the account credentials it signs with, and the platform keys it verifies answers by. */
import { createHash } from 'node:crypto';
import type { ConnectorAccount, ConnectorFailure } from '../connector.ts';
import { assert } from '../../domain/assert.ts';
import type { Clock, RandomSource } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import { failureWithoutAnswer, type HttpExchange } from '../http-exchange.ts';
import { authorizationHeader, requestSigningMessage, signMessage, verifyWithPlatformKeys, type SignatureCheck } from './signing.ts';
import { configuredKey, isPublicKeyMode, PlatformCertificateCache, readCertificates, type PlatformKey } from './platform-certificates.ts';
import { errorCodeOf, isObject } from './wire.ts';

export const wechatPayCredentialNames = ['mchid', 'appid', 'serial_no', 'private_key', 'apiv3_key'] as const;
/**
 * Optional: the platform public key and its id (`PUB_KEY_ID_…`, public key
 * mode), or a first platform certificate's key and serial (certificate mode,
 * which then downloads the rest); left out, certificate mode starts from the
 * first download (platform-certificates.ts).
 */
export const wechatPayOptionalCredentialNames = ['platform_public_key', 'platform_serial'] as const;
export type Credentials = Record<(typeof wechatPayCredentialNames)[number], string> &
  Partial<Record<(typeof wechatPayOptionalCredentialNames)[number], string>>;

export function credentialsOf(account: ConnectorAccount): Credentials {
  const credentials: Partial<Credentials> = {};
  for (const name of wechatPayCredentialNames) {
    const value = account.credentials[name];
    assert(value !== undefined && value !== '', `wechat pay account ${account.id} has no ${name} credential`);
    credentials[name] = value;
  }
  for (const name of wechatPayOptionalCredentialNames) {
    const value = account.credentials[name];
    if (value !== undefined && value !== '') credentials[name] = value;
  }
  return credentials as Credentials;
}

// ---------------------------------------------------------------------------
// Platform keys: the configured one, and in certificate mode the downloaded certificates.

export function platformKeys(exchange: Exchange, account: ConnectorAccount, credentials: Credentials): PlatformKey[] {
  const configured = configuredKey(credentials);
  const downloaded = isPublicKeyMode(credentials) ? [] : exchange.certificates.keys(account.id);
  return configured === null ? downloaded : [configured, ...downloaded.filter((key) => key.serial !== configured.serial.toUpperCase())];
}

/**
 * Downloads /v3/certificates and keeps what opens under the APIv3 key and
 * signs the answer itself (or is signed by the configured certificate). A
 * failed download keeps what was kept; the caller goes on with it.
 */
export async function refreshCertificates(exchange: Exchange, account: ConnectorAccount, credentials: Credentials): Promise<void> {
  await exchange.certificates.once(account.id, async () => {
    const sent = await sendSigned(exchange, account, credentials, { method: 'GET', path: '/v3/certificates' }, limits.providerResponseBytesMax);
    if (!sent.ok || sent.status !== 200) return;
    const nowMs = exchange.clock.nowMs();
    let body: unknown;
    try {
      body = JSON.parse(sent.raw.toString('utf8')) as unknown;
    } catch {
      return;
    }
    const read = readCertificates(body, credentials.apiv3_key, nowMs);
    if ('error' in read) return;
    const configured = configuredKey(credentials);
    const check = verifyWithPlatformKeys({ headers: sent.headers, body: sent.raw, keys: configured === null ? read.keys : [...read.keys, configured], nowMs });
    if (check.ok) exchange.certificates.store(account.id, read.keys, nowMs);
  });
}

/** Certificate mode: a download is due (see platform-certificates.ts); a configured certificate starts the 12-hour clock without one. */
export function certificatesDue(exchange: Exchange, account: ConnectorAccount, credentials: Credentials): boolean {
  if (isPublicKeyMode(credentials)) return false;
  const nowMs = exchange.clock.nowMs();
  if (!exchange.certificates.has(account.id) && configuredKey(credentials) !== null) {
    exchange.certificates.store(account.id, [], nowMs);
    return false;
  }
  return exchange.certificates.isDue(account.id, nowMs);
}

/** Checks an answer's signature; in certificate mode, a serial we do not know makes us download the certificates once and check again. */
export async function verifyAnswer(exchange: Exchange, account: ConnectorAccount, credentials: Credentials, headers: Headers, raw: Buffer): Promise<SignatureCheck> {
  const first = verifyWithPlatformKeys({ headers, body: raw, keys: platformKeys(exchange, account, credentials), nowMs: exchange.clock.nowMs() });
  if (first.ok || first.unknownSerial !== true || isPublicKeyMode(credentials)) return first;
  if (!exchange.certificates.claimUnknownSerialFetch(account.id, exchange.clock.nowMs())) return first;
  await refreshCertificates(exchange, account, credentials);
  return verifyWithPlatformKeys({ headers, body: raw, keys: platformKeys(exchange, account, credentials), nowMs: exchange.clock.nowMs() });
}

// ---------------------------------------------------------------------------
// One signed, verified HTTP exchange with WeChat Pay.

export interface Exchange {
  timeoutMs: number;
  clock: Clock;
  random: RandomSource;
  http: HttpExchange;
  /** The platform certificates downloaded per account (certificate mode). */
  certificates: PlatformCertificateCache;
}

export interface Call {
  method: 'GET' | 'POST';
  /** Path with query, or (for the bill download) an absolute URL WeChat gave us. */
  path: string;
  body?: unknown;
}

/**
 * A verified answer (status, raw text and parsed JSON body, null when empty)
 * or the failure that stands for an answer we cannot believe.
 */
export type Answer = { ok: true; status: number; text: string; body: unknown } | { ok: false; failure: ConnectorFailure };

export function unknown(detail: string): { ok: false; failure: ConnectorFailure } {
  return { ok: false, failure: { kind: 'unknown', detail } };
}

export type Sent = { ok: true; status: number; headers: Headers; raw: Buffer } | { ok: false; failure: ConnectorFailure };

/** One request signed with the merchant key, and its answer unverified. */
export async function sendSigned(exchange: Exchange, account: ConnectorAccount, credentials: Credentials, call: Call, responseBytesMax: number): Promise<Sent> {
  // Joined as text: `new URL(path, base)` would drop a path prefix in baseUrl.
  const url = /^https?:\/\//.test(call.path) ? new URL(call.path) : new URL(account.baseUrl.replace(/\/+$/, '') + call.path);
  const body = call.body === undefined ? '' : JSON.stringify(call.body);
  const timestamp = String(Math.floor(exchange.clock.nowMs() / 1000));
  const nonce = exchange.random.bytes(16).toString('hex').toUpperCase();
  let signature: string;
  try {
    signature = signMessage(requestSigningMessage({ method: call.method, pathWithQuery: url.pathname + url.search, timestamp, nonce, body }), credentials.private_key);
  } catch {
    // Nothing was sent; a private key we cannot read is a configuration error.
    return { ok: false, failure: { kind: 'retriable', code: 'connector_unavailable', detail: 'private_key is not a readable RSA key' } };
  }
  const headers: Record<string, string> = {
    Authorization: authorizationHeader({ mchid: credentials.mchid, nonce_str: nonce, timestamp, serial_no: credentials.serial_no, signature }),
    Accept: 'application/json',
    'User-Agent': 'paypilot-wechatpay/0.1',
  };
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  const result = await exchange.http.send({
    mode: account.mode,
    url,
    method: call.method,
    headers,
    body: call.body === undefined ? undefined : body,
    timeoutMs: exchange.timeoutMs,
    responseBytesMax,
    overLimit: 'fail',
    peer: 'WeChat Pay',
  });
  if (result.kind !== 'answered') return { ok: false, failure: failureWithoutAnswer(result) };
  return { ok: true, status: result.status, headers: result.headers, raw: result.body };
}

export async function send(
  exchange: Exchange,
  account: ConnectorAccount,
  credentials: Credentials,
  call: Call,
  verifyBody: 'signature' | { sha1: string } = 'signature',
): Promise<Answer> {
  // Certificate mode: the certificates are fetched before they are needed (first use, every 12 hours, a day before expiry).
  if (certificatesDue(exchange, account, credentials)) await refreshCertificates(exchange, account, credentials);
  // Only the bill file (checked by its SHA1 instead of a signature) may be large.
  const sent = await sendSigned(exchange, account, credentials, call, verifyBody === 'signature' ? limits.providerResponseBytesMax : limits.providerStatementBytesMax);
  if (!sent.ok) return sent;
  const { raw } = sent;
  const response = { status: sent.status, headers: sent.headers };
  if (verifyBody === 'signature') {
    const check = await verifyAnswer(exchange, account, credentials, response.headers, raw);
    if (!check.ok) return unknown(`answer ${response.status} not verified: ${check.reason}`);
  } else if (response.status === 200 && createHash('sha1').update(raw).digest('hex') !== verifyBody.sha1.toLowerCase()) {
    return unknown('bill file does not match its SHA1');
  }
  const text = raw.toString('utf8');
  if (verifyBody !== 'signature' && response.status === 200) return { ok: true, status: response.status, text, body: null };
  if (text === '') return { ok: true, status: response.status, text, body: null };
  try {
    return { ok: true, status: response.status, text, body: JSON.parse(text) as unknown };
  } catch {
    return unknown(`WeChat Pay answered ${response.status} with a body that is not JSON`);
  }
}

export function errorMessageOf(body: unknown): string {
  return isObject(body) && typeof body.message === 'string' ? body.message : '';
}

/** WeChat's own words for "try again later": nothing was decided. */
export function isTransient(status: number, body: unknown): boolean {
  const code = errorCodeOf(body);
  return status === 401 || status === 429 || code === 'SYSTEM_ERROR' || code === 'FREQUENCY_LIMITED' || code === 'FREQUENCY_LIMIT_EXCEED';
}

/**
 * A verified answer that is not the success we asked for. Only a refused
 * signature (401) and rate limiting (429) say for certain that nothing was
 * done; everything else may hide work done, so it is `unknown`.
 */
export function failureFromStatus(status: number, body: unknown): ConnectorFailure {
  const code = errorCodeOf(body);
  if (status === 401 || status === 429) {
    return { kind: 'retriable', code: 'connector_unavailable', detail: `WeChat Pay answered ${status}${code === null ? '' : ` ${code}`}` };
  }
  return { kind: 'unknown', detail: `WeChat Pay answered ${status}${code === null ? '' : ` ${code}`}` };
}

// ---------------------------------------------------------------------------
// Orders.
