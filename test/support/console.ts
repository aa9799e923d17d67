/**
 * Talking to the console API as a browser would: a cookie jar of one
 * session cookie, and the CSRF token the session was given. Requests go
 * through `app.inject`, which lets a test choose the client's address.
 */
import type { Stack } from './stack.ts';
import { hashPassword } from '../../src/domain/console/password.ts';
import { cryptoRandom } from '../../src/domain/clock.ts';
import type { ConsoleRole } from '../../src/domain/console/roles.ts';
import { insertMember } from '../../src/store/console/members.ts';

export interface ConsoleAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
}

export interface RequestOptions {
  /** null: send no CSRF header; a string: send that one; undefined: the session's own. */
  csrf?: string | null;
  address?: string;
  headers?: Record<string, string>;
}

export class ConsoleClient {
  cookie: string | null = null;
  csrf: string | null = null;
  readonly stack: Stack;
  readonly address: string;
  constructor(stack: Stack, address = '127.0.0.1') {
    this.stack = stack;
    this.address = address;
  }

  async request(method: string, url: string, body?: unknown, options: RequestOptions = {}): Promise<ConsoleAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie) headers.cookie = this.cookie;
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.stack.app.inject({ method: method as 'GET', url, headers, payload: body === undefined ? undefined : JSON.stringify(body), remoteAddress: options.address ?? this.address });
    let parsed: unknown = response.body;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      // CSV or empty: keep the text.
    }
    return { status: response.statusCode, headers: response.headers, body: parsed };
  }

  async signIn(credentials: { email: string; password: string; code?: string; recovery_code?: string; merchant?: string }, options: RequestOptions = {}): Promise<ConsoleAnswer> {
    const answer = await this.request('POST', '/console/api/sign_in', credentials, { ...options, csrf: null });
    if (answer.status === 200) {
      const setCookie = String(answer.headers['set-cookie']);
      this.cookie = setCookie.split(';')[0] ?? null;
      this.csrf = answer.body.csrf_token;
    }
    return answer;
  }
}

export const memberPassword = 'correct horse battery staple';

/**
 * A label unique to this test run, put in every member's email: on a shared
 * database (CI's) members of earlier runs keep their emails, and an email
 * that belongs to members of several merchants makes sign-in ask which one.
 */
export const emailRun = `run${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
let sharedHash: Promise<string> | null = null;

/** A member with `memberPassword`, inserted directly (hashing once per test file: scrypt is slow on purpose). */
export async function addMember(stack: Stack, merchantId: string, role: ConsoleRole, email: string) {
  sharedHash ??= hashPassword(memberPassword, cryptoRandom);
  return insertMember(stack.db.db, { id: stack.context.ids.newId('mem'), merchantId, email, name: role, role, passwordHash: await sharedHash, locale: 'en', now: new Date(stack.context.clock.nowMs()) });
}

export function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** Enrols the signed-in member's authenticator and confirms it; answers the secret read from the otpauth URI, and the recovery codes. */
export async function enrol(client: ConsoleClient, totpAt: (secret: Buffer) => string): Promise<{ secret: Buffer; recoveryCodes: string[] }> {
  const started = await client.request('POST', '/console/api/two_factor/enrolment');
  if (started.status !== 200) throw new Error(`enrolment: ${JSON.stringify(started.body)}`);
  const secret = base32Decode(new URL(started.body.otpauth_uri).searchParams.get('secret') ?? '');
  const confirmed = await client.request('POST', '/console/api/two_factor/confirmation', { code: totpAt(secret) });
  if (confirmed.status !== 200) throw new Error(`confirmation: ${JSON.stringify(confirmed.body)}`);
  return { secret, recoveryCodes: confirmed.body.recovery_codes };
}

/**
 * A member of `role` inserted and signed in from `address`; owners and admins
 * (who must have a second factor) are enrolled with codes from `totpAt`.
 */
export async function signedInMember(stack: Stack, merchantId: string, role: ConsoleRole, email: string, options: { address: string; totpAt: (secret: Buffer) => string }): Promise<ConsoleClient> {
  await addMember(stack, merchantId, role, email);
  const browser = new ConsoleClient(stack, options.address);
  const answer = await browser.signIn({ email, password: memberPassword });
  if (answer.status !== 200) throw new Error(`sign-in of ${email}: ${JSON.stringify(answer.body)}`);
  if (role === 'owner' || role === 'admin') await enrol(browser, options.totpAt);
  return browser;
}
