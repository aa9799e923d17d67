/**
 * UnionPay acp 5.1.0 signatures, signMethod=01 (shared/PROTOCOLS.md, and the
 * official acp_sdk `SDKUtil.signBySoft256` / `validateBySoft256`):
 *
 *   1. every field except `signature`, sorted by name (Java TreeMap order,
 *      which is UTF-16 code unit order, as JavaScript's default sort),
 *      joined as `k=v&k=v` with the values as they are, never URL-encoded;
 *   2. SHA-256 of that string (UTF-8), as lower-case hex;
 *   3. that hex string (its ASCII bytes) signed with SHA256withRSA
 *      (RSASSA-PKCS1-v1_5), base64 → `signature`.
 *
 * The SDK drops blank fields before signing what it sends (`filterBlank`);
 * we never send a blank field (asserted), and verify what we receive over
 * every field, blank or not, as the SDK's `validate` does.
 *
 * Verification uses the UnionPay public key held in the account's
 * credentials. The real 5.1.0 gateway also sends `signPubKeyCert` (its
 * signing certificate); the SDK checks that certificate's chain and uses its
 * key. We deliberately keep to the configured key and ignore the certificate
 * in the message: a key the message brings along proves nothing by itself.
 * (`signPubKeyCert` still takes part in the signed string like any field.)
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { assert } from '../../domain/assert.ts';

export type UnionpayFields = Readonly<Record<string, string>>;

/** The string that is hashed: sorted `k=v` pairs without `signature`. */
export function canonicalString(fields: UnionpayFields): string {
  return Object.keys(fields)
    .filter((name) => name !== 'signature')
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
}

/** The lower-case hex SHA-256 of the canonical string: what RSA actually signs. */
export function canonicalDigestHex(fields: UnionpayFields): string {
  return createHash('sha256').update(canonicalString(fields), 'utf8').digest('hex');
}

/** Parsed keys are cached: the same PEM text is used for every call of an account. */
const keyCacheSizeMax = 256;
const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();

function cachedKey(cache: Map<string, KeyObject>, pem: string, parse: (pem: string) => KeyObject): KeyObject {
  const cached = cache.get(pem);
  if (cached !== undefined) return cached;
  const key = parse(pem);
  if (cache.size >= keyCacheSizeMax) cache.clear();
  cache.set(pem, key);
  return key;
}

/** The base64 signature of the fields (any `signature` already among them is ignored). */
export function signatureOf(fields: UnionpayFields, privateKeyPem: string): string {
  const key = cachedKey(privateKeys, privateKeyPem, (pem) => createPrivateKey(pem));
  return sign('sha256', Buffer.from(canonicalDigestHex(fields), 'utf8'), key).toString('base64');
}

/** The fields with `signature` added. Every value must be non-blank (the SDK would drop it). */
export function signFields(fields: UnionpayFields, privateKeyPem: string): Record<string, string> {
  for (const [name, value] of Object.entries(fields)) {
    assert(value !== '', `UnionPay field ${name} must not be blank when signed`);
    assert(name !== 'signature', 'fields to sign must not carry a signature yet');
  }
  return { ...fields, signature: signatureOf(fields, privateKeyPem) };
}

/**
 * True only when `signature` is present and verifies with the given public
 * key. A malformed key or signature is a failed verification, never a throw.
 */
export function verifyFields(fields: UnionpayFields, publicKeyPem: string): boolean {
  const signature = fields.signature;
  if (signature === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    const key = cachedKey(publicKeys, publicKeyPem, (pem) => createPublicKey(pem));
    return verify('sha256', Buffer.from(canonicalDigestHex(fields), 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
