/**
 * WeChat Pay API v3 signatures and notification encryption (shared/PROTOCOLS.md
 * "WeChat Pay API v3"), used by the connector and, for the other side of the
 * same protocol, by the simulator:
 *
 * - a request is signed with the merchant's RSA key over
 *   `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n` and carried in an
 *   `Authorization: WECHATPAY2-SHA256-RSA2048 …` header;
 * - every answer and notification is signed with the platform's key over
 *   `timestamp\nnonce\nbody\n` in the `Wechatpay-*` headers; a timestamp 5
 *   minutes or more away from now, or a serial that is not the platform's, is
 *   refused even when the signature holds (a replay or the wrong key);
 * - a notification's `resource` is sealed with AEAD_AES_256_GCM under the
 *   merchant's APIv3 key.
 *
 * Nothing here throws on bad input from the network: it answers null or a
 * reason, because an unreadable signature is an answer to handle, not a bug.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { assert } from '../../domain/assert.ts';

export const signatureScheme = 'WECHATPAY2-SHA256-RSA2048';

/** A signed timestamp this far from now (or further) is refused: 5 minutes, as the official SDKs do. */
export const signatureWindowMs = 5 * 60 * 1000;

const gcmTagBytes = 16;
const gcmNonceBytes = 12;

// ---------------------------------------------------------------------------
// Requests: merchant → WeChat Pay.

export interface RequestToSign {
  method: string;
  /** The path with its query string, exactly as sent (e.g. `/v3/pay/transactions/out-trade-no/A1?mchid=1900`). */
  pathWithQuery: string;
  /** Unix seconds, as text. */
  timestamp: string;
  nonce: string;
  /** The exact JSON text sent; empty for GET. */
  body: string;
}

/** The five-line message a request's signature covers. */
export function requestSigningMessage(request: RequestToSign): string {
  return `${request.method}\n${request.pathWithQuery}\n${request.timestamp}\n${request.nonce}\n${request.body}\n`;
}

export function signMessage(message: string | Buffer, privateKeyPem: string | KeyObject): string {
  const key = typeof privateKeyPem === 'string' ? createPrivateKey(privateKeyPem) : privateKeyPem;
  return sign('sha256', typeof message === 'string' ? Buffer.from(message, 'utf8') : message, key).toString('base64');
}

export interface AuthorizationFields {
  mchid: string;
  nonce_str: string;
  timestamp: string;
  serial_no: string;
  signature: string;
}

/** `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"` */
export function authorizationHeader(fields: AuthorizationFields): string {
  const { mchid, nonce_str, timestamp, serial_no, signature } = fields;
  return `${signatureScheme} mchid="${mchid}",nonce_str="${nonce_str}",timestamp="${timestamp}",serial_no="${serial_no}",signature="${signature}"`;
}

/** Reads an Authorization header back into its fields; null when it is not one. */
export function parseAuthorizationHeader(header: string | undefined): AuthorizationFields | null {
  if (header === undefined || !header.startsWith(`${signatureScheme} `)) return null;
  const fields: Record<string, string> = {};
  for (const part of header.slice(signatureScheme.length + 1).split(',')) {
    const match = /^\s*([a-z_]+)="([^"]*)"\s*$/.exec(part);
    if (match === null) return null;
    fields[match[1] as string] = match[2] as string;
  }
  const { mchid, nonce_str, timestamp, serial_no, signature } = fields;
  if (mchid === undefined || nonce_str === undefined || timestamp === undefined || serial_no === undefined || signature === undefined) {
    return null;
  }
  return { mchid, nonce_str, timestamp, serial_no, signature };
}

// ---------------------------------------------------------------------------
// Answers and notifications: WeChat Pay → merchant.

/** The message the `Wechatpay-Signature` of an answer or notification covers, on the raw body bytes. */
export function responseSigningMessage(timestamp: string, nonce: string, body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), bytes, Buffer.from('\n', 'utf8')]);
}

/** A type alias, not an interface, so that it is also a plain header record. */
export type WechatpayHeaders = {
  'Wechatpay-Timestamp': string;
  'Wechatpay-Nonce': string;
  'Wechatpay-Signature': string;
  'Wechatpay-Serial': string;
};

/** The headers that sign one answer or notification (the simulator's side). */
export function wechatpayHeaders(options: {
  body: Buffer | string;
  timestamp: string;
  nonce: string;
  privateKey: string | KeyObject;
  serial: string;
}): WechatpayHeaders {
  const signature = signMessage(responseSigningMessage(options.timestamp, options.nonce, options.body), options.privateKey);
  return {
    'Wechatpay-Timestamp': options.timestamp,
    'Wechatpay-Nonce': options.nonce,
    'Wechatpay-Signature': signature,
    'Wechatpay-Serial': options.serial,
  };
}

/** A header by name, whatever its case; Fastify and fetch hand headers over differently. */
export function headerValue(headers: Readonly<Record<string, string | undefined>> | Headers, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks the `Wechatpay-*` headers of an answer or notification against its
 * raw body: the serial must be the platform's, the timestamp within the
 * window of `nowMs`, and the signature valid under the platform key.
 */
export function verifyWechatpaySignature(options: {
  headers: Readonly<Record<string, string | undefined>> | Headers;
  body: Buffer | string;
  platformPublicKey: string;
  platformSerial: string;
  nowMs: number;
}): SignatureCheck {
  let key: KeyObject;
  try {
    key = createPublicKey(options.platformPublicKey);
  } catch {
    return { ok: false, reason: 'platform_public_key is not a readable public key' };
  }
  return verifyWithPlatformKeys({ ...options, keys: [{ serial: options.platformSerial, publicKey: key }] });
}

/** The serial an answer or notification says it was signed with; undefined when the header is missing. */
export function signingSerial(headers: Readonly<Record<string, string | undefined>> | Headers): string | undefined {
  return headerValue(headers, 'Wechatpay-Serial');
}

/**
 * The same check against several platform keys (certificate mode: every
 * platform certificate still valid): the one named by `Wechatpay-Serial`
 * must verify. `unknownSerial` says the serial named none of them.
 */
export function verifyWithPlatformKeys(options: {
  headers: Readonly<Record<string, string | undefined>> | Headers;
  body: Buffer | string;
  keys: readonly { serial: string; publicKey: KeyObject }[];
  nowMs: number;
}): SignatureCheck & { unknownSerial?: boolean } {
  const timestamp = headerValue(options.headers, 'Wechatpay-Timestamp');
  const nonce = headerValue(options.headers, 'Wechatpay-Nonce');
  const signature = headerValue(options.headers, 'Wechatpay-Signature');
  const serial = headerValue(options.headers, 'Wechatpay-Serial');
  if (timestamp === undefined || nonce === undefined || signature === undefined || serial === undefined) {
    return { ok: false, reason: 'Wechatpay signature headers missing' };
  }
  const key = options.keys.find((candidate) => candidate.serial.toUpperCase() === serial.toUpperCase())?.publicKey;
  if (key === undefined) return { ok: false, reason: `signed with serial ${serial}, not the platform's`, unknownSerial: true };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'Wechatpay-Timestamp is not a Unix time' };
  if (Math.abs(options.nowMs - Number(timestamp) * 1000) >= signatureWindowMs) {
    return { ok: false, reason: 'Wechatpay-Timestamp is 5 minutes or more from now' };
  }
  let valid = false;
  try {
    valid = verify('sha256', responseSigningMessage(timestamp, nonce, options.body), key, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? { ok: true } : { ok: false, reason: 'Wechatpay-Signature does not verify' };
}

// ---------------------------------------------------------------------------
// AEAD_AES_256_GCM, the notification resource's sealing.

export interface SealedResource {
  /** Base64 of the cipher text followed by its 16-byte tag. */
  ciphertext: string;
  nonce: string;
  associated_data: string;
}

/**
 * The cipher is chosen by the key's length: WeChat's APIv3 key is 32 bytes
 * (AES-256); the official Go SDK's public test vector uses a 16-byte key
 * (AES-128), which is how this function is tested against it.
 */
function gcmCipherFor(key: Buffer): 'aes-128-gcm' | 'aes-256-gcm' | null {
  if (key.length === 16) return 'aes-128-gcm';
  if (key.length === 32) return 'aes-256-gcm';
  return null;
}

/** Opens a sealed resource; null when the key, nonce, tag or data do not fit (a forgery, or the wrong key). */
export function decryptAeadAesGcm(apiv3Key: string, resource: SealedResource): Buffer | null {
  const key = Buffer.from(apiv3Key, 'utf8');
  const cipher = gcmCipherFor(key);
  const nonce = Buffer.from(resource.nonce, 'utf8');
  const sealed = Buffer.from(resource.ciphertext, 'base64');
  if (cipher === null || nonce.length !== gcmNonceBytes || sealed.length < gcmTagBytes) return null;
  try {
    const decipher = createDecipheriv(cipher, key, nonce, { authTagLength: gcmTagBytes });
    decipher.setAAD(Buffer.from(resource.associated_data, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - gcmTagBytes));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - gcmTagBytes)), decipher.final()]);
  } catch {
    return null;
  }
}

/** Seals a resource (the simulator's side); the nonce must be 12 characters. */
export function encryptAeadAesGcm(apiv3Key: string, nonce: string, associatedData: string, plaintext: string): SealedResource {
  const key = Buffer.from(apiv3Key, 'utf8');
  const cipher = gcmCipherFor(key);
  assert(cipher !== null, 'an APIv3 key is 16 or 32 bytes');
  assert(Buffer.byteLength(nonce, 'utf8') === gcmNonceBytes, 'a GCM nonce is 12 bytes');
  const encipher = createCipheriv(cipher, key, Buffer.from(nonce, 'utf8'), { authTagLength: gcmTagBytes });
  encipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([encipher.update(plaintext, 'utf8'), encipher.final()]);
  return { ciphertext: Buffer.concat([body, encipher.getAuthTag()]).toString('base64'), nonce, associated_data: associatedData };
}

// ---------------------------------------------------------------------------
// JSAPI: the parameters a page inside WeChat hands to getBrandWCPayRequest.

/** The four-line message paySign covers: `appId\ntimeStamp\nnonceStr\npackage\n` (signType is not signed). */
export function jsapiSigningMessage(parameters: { appId: string; timeStamp: string; nonceStr: string; package: string }): string {
  return `${parameters.appId}\n${parameters.timeStamp}\n${parameters.nonceStr}\n${parameters.package}\n`;
}

/** Checks paySign as WeChat's client does, with the merchant's public key (the one its API certificate holds). */
export function verifyJsapiPaySign(
  parameters: { appId: string; timeStamp: string; nonceStr: string; package: string; signType: string; paySign: string },
  merchantPublicKey: KeyObject | string,
): boolean {
  if (parameters.signType !== 'RSA') return false;
  try {
    const key = typeof merchantPublicKey === 'string' ? createPublicKey(merchantPublicKey) : merchantPublicKey;
    return verify('sha256', Buffer.from(jsapiSigningMessage(parameters), 'utf8'), key, Buffer.from(parameters.paySign, 'base64'));
  } catch {
    return false;
  }
}
