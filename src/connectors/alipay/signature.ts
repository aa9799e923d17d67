/**
 * Alipay's RSA2 signatures (SHA256withRSA, base64), the exact strings they are
 * computed over, and Beijing-time formatting. The simulated Alipay imports this
 * file too, so both sides build the signed text with one piece of code; the
 * rules follow shared/PROTOCOLS.md and the official SDK
 * (AlipaySignature.getSignContent / rsaCheckV1):
 *
 * - a request: every parameter but `sign` (`sign_type` stays), empty values
 *   dropped, keys in ASCII order, `k=v` joined by `&`, raw values;
 * - a notification: the same, but `sign_type` is removed too, and the values
 *   are the URL-decoded ones;
 * - a response: the raw JSON text of the `<method>_response` member, exactly
 *   as it appears in the body (never re-serialized).
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export type Params = Readonly<Record<string, string | undefined | null>>;

/** The text a request is signed over: `sign` left out, empty values dropped, ASCII key order. */
export function requestSigningString(params: Params): string {
  return signingString(params, ['sign']);
}

/** The text a notification is signed over: `sign` and `sign_type` left out. */
export function notificationSigningString(params: Params): string {
  return signingString(params, ['sign', 'sign_type']);
}

function signingString(params: Params, excluded: readonly string[]): string {
  return Object.keys(params)
    .filter((key) => !excluded.includes(key))
    .filter((key) => {
      const value = params[key];
      return value !== undefined && value !== null && value !== '';
    })
    // Plain code-unit comparison is ASCII order for ASCII keys (localeCompare is not).
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => `${key}=${params[key] as string}`)
    .join('&');
}

/**
 * Alipay hands keys out as PEM or as bare base64 (PKCS#8 private, SPKI public);
 * both are accepted.
 */
export function privateKeyFrom(text: string): KeyObject {
  const pem = text.includes('-----BEGIN') ? text : wrapPem(text, 'PRIVATE KEY');
  return createPrivateKey(pem);
}

export function publicKeyFrom(text: string): KeyObject {
  const pem = text.includes('-----BEGIN') ? text : wrapPem(text, 'PUBLIC KEY');
  return createPublicKey(pem);
}

function wrapPem(base64: string, label: string): string {
  const body = base64.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** SHA256withRSA over the UTF-8 bytes of `content`, base64. */
export function signRsa2(content: string, privateKey: KeyObject | string): string {
  const key = typeof privateKey === 'string' ? privateKeyFrom(privateKey) : privateKey;
  return sign('sha256', Buffer.from(content, 'utf8'), key).toString('base64');
}

/** False for a wrong signature and for anything that is not a signature at all. */
export function verifyRsa2(content: string, signature: string, publicKey: KeyObject | string): boolean {
  if (signature === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    const key = typeof publicKey === 'string' ? publicKeyFrom(publicKey) : publicKey;
    return verify('sha256', Buffer.from(content, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// The signed text of a response.

/**
 * The exact text of the value of the top-level member `name` of a JSON object
 * (`{"alipay_trade_query_response":{…},"sign":"…"}`), found by scanning the
 * raw text with JSON's rules for strings, so braces and quotes inside strings,
 * escapes and any Unicode are handled. Null when the text is not an object
 * holding that member once.
 */
export function extractMemberText(raw: string, name: string): string | null {
  const scanner = new JsonScanner(raw);
  let found: string | null = null;
  let count = 0;
  const ok = scanner.scanObject((key, start, end) => {
    if (key === name) {
      count += 1;
      found = raw.slice(start, end);
    }
  });
  if (!ok) return null;
  scanner.skipWhitespace();
  if (scanner.position !== raw.length) return null;
  return count === 1 ? found : null;
}

/** A minimal scanner that only finds where values start and end. */
class JsonScanner {
  position = 0;
  private readonly text: string;
  private depth = 0;

  constructor(text: string) {
    this.text = text;
  }

  skipWhitespace(): void {
    while (this.position < this.text.length && ' \t\r\n'.includes(this.text[this.position] as string)) this.position += 1;
  }

  /** Scans an object; reports each top-level member's key and value span. */
  scanObject(onMember: (key: string, start: number, end: number) => void): boolean {
    this.skipWhitespace();
    if (this.text[this.position] !== '{') return false;
    this.position += 1;
    this.skipWhitespace();
    if (this.text[this.position] === '}') {
      this.position += 1;
      return true;
    }
    for (;;) {
      this.skipWhitespace();
      const keyStart = this.position;
      if (!this.scanString()) return false;
      let key: string;
      try {
        key = JSON.parse(this.text.slice(keyStart, this.position)) as string;
      } catch {
        return false;
      }
      this.skipWhitespace();
      if (this.text[this.position] !== ':') return false;
      this.position += 1;
      this.skipWhitespace();
      const valueStart = this.position;
      if (!this.scanValue()) return false;
      onMember(key, valueStart, this.position);
      this.skipWhitespace();
      const next = this.text[this.position];
      this.position += 1;
      if (next === '}') return true;
      if (next !== ',') return false;
    }
  }

  private scanValue(): boolean {
    const first = this.text[this.position];
    if (first === '"') return this.scanString();
    if (first === '{' || first === '[') {
      // Nesting is bounded so a hostile body cannot exhaust the stack.
      if (this.depth >= 64) return false;
      this.depth += 1;
      const ok = first === '{' ? this.scanObject(() => {}) : this.scanArray();
      this.depth -= 1;
      return ok;
    }
    const match = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.position, this.position + 64));
    if (match === null) return false;
    this.position += match[0].length;
    return true;
  }

  private scanArray(): boolean {
    this.position += 1;
    this.skipWhitespace();
    if (this.text[this.position] === ']') {
      this.position += 1;
      return true;
    }
    for (;;) {
      this.skipWhitespace();
      if (!this.scanValue()) return false;
      this.skipWhitespace();
      const next = this.text[this.position];
      this.position += 1;
      if (next === ']') return true;
      if (next !== ',') return false;
    }
  }

  private scanString(): boolean {
    if (this.text[this.position] !== '"') return false;
    this.position += 1;
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char === '\\') this.position += 2;
      else if (char === '"') {
        this.position += 1;
        return true;
      } else this.position += 1;
    }
    return false;
  }
}

// ---------------------------------------------------------------------------
// Beijing time (UTC+8, no daylight saving).

const beijingOffsetMs = 8 * 60 * 60 * 1000;

/** `yyyy-MM-dd HH:mm:ss` in Beijing time, the format of `timestamp`, `time_expire`, `gmt_payment` … */
export function beijingDateTime(ms: number): string {
  const iso = new Date(ms + beijingOffsetMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** `yyyy-MM-dd` in Beijing time. */
export function beijingDate(ms: number): string {
  return beijingDateTime(ms).slice(0, 10);
}

/** Parses `yyyy-MM-dd HH:mm:ss` (Beijing time); null when malformed. */
export function parseBeijingDateTime(text: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (match === null) return null;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - beijingOffsetMs;
  const date = new Date(ms);
  // Rejects 2026-02-31 and the like, which Date.UTC would roll over.
  return beijingDateTime(ms) === text.trim() ? date : null;
}
