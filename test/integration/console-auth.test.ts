/**
 * Console sign-in: password then TOTP, recovery codes, the session cookie,
 * idle and absolute expiry on an injected clock, lockout and the per-address
 * limit, and password reset links.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { totp } from '../../src/domain/console/totp.ts';
import { limits } from '../../src/domain/limits.ts';
import { createOwner } from '../../src/flows/console/team.ts';
import { openMessageBody } from '../../src/store/messages.ts';
import { ConsoleClient, addMember, enrol, memberPassword, emailRun } from '../support/console.ts';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let stack: Stack;
let addressCount = 0;
/** Each test signs in from its own address, so the per-address limit counts only its own failures. */
// Addresses of their own per run: a shared database remembers the failures of earlier runs' addresses for a while.
const runSubnet = `10.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
const client = () => new ConsoleClient(stack, `${runSubnet}.${(addressCount += 1)}`);
// scrypt is slow on purpose (0.3 s a hash on an idle machine, seconds on a loaded one): these tests get room for it.
vi.setConfig({ testTimeout: 90_000 });
const ownerPassword = 'owner password that is long';

beforeAll(async () => {
  stack = await startStack({ clock });
});
afterAll(async () => stack?.close());

async function newOwner(email: string) {
  return createOwner(stack.context, { merchantId: stack.merchant.merchantId, email, password: ownerPassword });
}

const nowCode = (secret: Buffer) => totp(secret, clock.nowMs());

describe('signing in with a password and a TOTP second factor', () => {
  it('leads an owner without 2FA to enrolment only, then signs in with a code computed from the enrolment secret, each code once', async () => {
    await newOwner(`owner1@${emailRun}.example.com`);
    const browser = client();
    const first = await browser.signIn({ email: `Owner1@${emailRun.toUpperCase()}.Example.com`, password: ownerPassword });
    expect(first.status).toBe(200);
    expect(first.body.two_factor_enrolment_required).toBe(true);
    expect(first.body.csrf_token).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    // Until enrolled, only the session and enrolment answer.
    expect((await browser.request('GET', '/console/api/members')).body.error.code).toBe('console_enrolment_required');
    const session = await browser.request('GET', '/console/api/session');
    expect(session.status).toBe(200);
    expect(session.body.permissions).toEqual(['session']);

    const started = await browser.request('POST', '/console/api/two_factor/enrolment');
    expect(started.status).toBe(200);
    expect(started.body.otpauth_uri).toMatch(new RegExp(`^otpauth://totp/Paypilot%20Test%20Merchant:owner1%40${emailRun}\\.example\\.com\\?secret=[A-Z2-7]{32}&`));
    expect(started.body.qr_code).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(started.body.qr_code.split(',')[1], 'base64').toString()).toContain('<svg');
    const wrong = await browser.request('POST', '/console/api/two_factor/confirmation', { code: '000000' });
    expect(wrong.body.error.code).toBe('console_code_incorrect');

    const { secret, recoveryCodes } = await enrol(browser, nowCode);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await browser.request('GET', '/console/api/members')).status).toBe(200);

    // Signing out ends the session at once: the same cookie is refused.
    const out = await browser.request('POST', '/console/api/sign_out');
    expect(out.status).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await browser.request('GET', '/console/api/session')).body.error.code).toBe('console_session_required');

    const withoutCode = await client().signIn({ email: `owner1@${emailRun}.example.com`, password: ownerPassword });
    expect(withoutCode.status).toBe(401);
    expect(withoutCode.body.error.code).toBe('console_second_factor_required');
    // The code that confirmed enrolment cannot sign in: its time step is used.
    expect((await client().signIn({ email: `owner1@${emailRun}.example.com`, password: ownerPassword, code: nowCode(secret) })).body.error.code).toBe('console_code_incorrect');

    clock.advanceMs(30_000);
    const code = nowCode(secret);
    const signedIn = await client().signIn({ email: `owner1@${emailRun}.example.com`, password: ownerPassword, code });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.two_factor_enrolment_required).toBe(false);
    // Replayed within its window, the same code is refused.
    const replay = await client().signIn({ email: `owner1@${emailRun}.example.com`, password: ownerPassword, code });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('console_code_incorrect');
  });

  it('takes each recovery code once, and stores none of them in clear', async () => {
    const owner = await newOwner(`owner2@${emailRun}.example.com`);
    const browser = client();
    await browser.signIn({ email: `owner2@${emailRun}.example.com`, password: ownerPassword });
    const { recoveryCodes } = await enrol(browser, nowCode);
    const code = recoveryCodes[3]!;
    const stored = await stack.db.db.selectFrom('console_recovery_codes').select('code_hash').where('member_id', '=', owner.id).execute();
    expect(stored).toHaveLength(10);
    expect(stored.some((row) => row.code_hash.toString('utf8').includes(code))).toBe(false);

    expect((await client().signIn({ email: `owner2@${emailRun}.example.com`, password: ownerPassword, recovery_code: code.toUpperCase() })).status).toBe(200);
    const again = await client().signIn({ email: `owner2@${emailRun}.example.com`, password: ownerPassword, recovery_code: code });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('console_code_incorrect');
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, Path=/, without Secure on http://127.0.0.1, and keeps only its hash', async () => {
    await addMember(stack, stack.merchant.merchantId, 'analyst', `cookie@${emailRun}.example.com`);
    const browser = client();
    const answer = await browser.signIn({ email: `cookie@${emailRun}.example.com`, password: memberPassword });
    const cookie = String(answer.headers['set-cookie']);
    const parts = cookie.split('; ');
    expect(parts[0]).toMatch(/^paypilot_console=[A-Za-z0-9_-]{43}$/);
    expect(parts.slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict']);
    expect(answer.headers['cache-control']).toBe('no-store');
    const token = parts[0]!.split('=')[1]!;
    const rows = await sql<{ found: number }>`select count(*)::int as found from console_sessions where encode(token_hash, 'escape') like ${`%${token}%`}`.execute(stack.db.db);
    expect(rows.rows[0]?.found).toBe(0);
  });
});

describe('session expiry on the injected clock', () => {
  it('ends a session idle for longer than the idle limit, and keeps one in use alive until the absolute limit', async () => {
    await addMember(stack, stack.merchant.merchantId, 'analyst', `expiry@${emailRun}.example.com`);
    const idle = client();
    await idle.signIn({ email: `expiry@${emailRun}.example.com`, password: memberPassword });
    const busy = client();
    await busy.signIn({ email: `expiry@${emailRun}.example.com`, password: memberPassword });

    clock.advanceMs(limits.consoleSessionIdleMs - 60_000);
    expect((await idle.request('GET', '/console/api/session')).status).toBe(200);
    clock.advanceMs(limits.consoleSessionIdleMs + 1);
    expect((await idle.request('GET', '/console/api/session')).body.error.code).toBe('console_session_required');

    // `busy` was used a minute before the idle limit... and then not for longer than it: also gone.
    expect((await busy.request('GET', '/console/api/session')).status).toBe(401);

    const active = client();
    await active.signIn({ email: `expiry@${emailRun}.example.com`, password: memberPassword });
    const stepMs = limits.consoleSessionIdleMs - 60_000;
    let elapsedMs = 0;
    while (elapsedMs + stepMs < limits.consoleSessionAbsoluteMs) {
      clock.advanceMs(stepMs);
      elapsedMs += stepMs;
      expect((await active.request('GET', '/console/api/session')).status).toBe(200);
    }
    clock.advanceMs(limits.consoleSessionAbsoluteMs - elapsedMs);
    expect((await active.request('GET', '/console/api/session')).body.error.code).toBe('console_session_required');
  });
});

describe('failed sign-ins', () => {
  it('locks the account after repeated failures, even when they arrive at once, and lets the right password in after the lock', async () => {
    const member = await addMember(stack, stack.merchant.merchantId, 'operator', `locked@${emailRun}.example.com`);
    const browser = client();
    const answers = await Promise.all(Array.from({ length: 12 }, () => browser.signIn({ email: `locked@${emailRun}.example.com`, password: 'wrong password, long enough' })));
    const checked = answers.filter((a) => a.body.error.code === 'console_sign_in_failed');
    const locked = answers.filter((a) => a.body.error.code === 'console_account_locked');
    // Never more passwords checked than the limit, however many raced.
    expect(checked.length).toBe(limits.consoleSignInFailuresMax);
    expect(locked.length).toBe(12 - limits.consoleSignInFailuresMax);
    expect(locked[0]?.status).toBe(403);
    const row = await stack.db.db.selectFrom('console_members').select(['failed_sign_ins', 'locked_until']).where('id', '=', member.id).executeTakeFirstOrThrow();
    expect(row.failed_sign_ins).toBe(limits.consoleSignInFailuresMax);

    const rightButLocked = await client().signIn({ email: `locked@${emailRun}.example.com`, password: memberPassword });
    expect(rightButLocked.body.error.code).toBe('console_account_locked');
    expect(rightButLocked.body.error.unlocks_at).toBe(row.locked_until?.toISOString());

    clock.advanceMs(limits.consoleSignInLockMs + 1);
    expect((await client().signIn({ email: `locked@${emailRun}.example.com`, password: memberPassword })).status).toBe(200);
  }, 120_000);

  it('answers an unknown email exactly as a wrong password', async () => {
    const unknown = await client().signIn({ email: `nobody@${emailRun}.example.com`, password: 'whatever password' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('console_sign_in_failed');
  });

  it('limits failures per address across accounts with 429 and Retry-After, leaving other addresses alone', async () => {
    const attacker = client();
    for (let i = 0; i < limits.consoleAddressFailuresMax; i += 1) {
      expect((await attacker.signIn({ email: `guess${i}@${emailRun}.example.com`, password: 'guessed password' })).status).toBe(401);
    }
    const limited = await attacker.signIn({ email: `guess-more@${emailRun}.example.com`, password: 'guessed password' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await addMember(stack, stack.merchant.merchantId, 'support', `elsewhere@${emailRun}.example.com`);
    // Even the right password waits at that address; from another address it works.
    expect((await attacker.signIn({ email: `elsewhere@${emailRun}.example.com`, password: memberPassword })).status).toBe(429);
    expect((await client().signIn({ email: `elsewhere@${emailRun}.example.com`, password: memberPassword })).status).toBe(200);
    clock.advanceMs(limits.consoleAddressWindowMs + 1);
    expect((await attacker.signIn({ email: `elsewhere@${emailRun}.example.com`, password: memberPassword })).status).toBe(200);
  }, 180_000);
});

describe('password reset by email', () => {
  async function resetToken(memberId: string): Promise<string> {
    const message = await stack.db.db
      .selectFrom('messages')
      .select(['id', 'body_text', 'body_html', 'body_sealed', 'recipient', 'purpose'])
      .where('purpose', '=', 'console_password_reset')
      .where('merchant_id', '=', stack.merchant.merchantId)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(memberId).toBeTruthy();
    const match = /#token=([A-Za-z0-9_-]+)/.exec(openMessageBody(message, stack.context.keys.messages).text);
    return match![1]!;
  }

  it('sends a single-use link through the outbox that sets a new password and ends the sessions', async () => {
    const member = await addMember(stack, stack.merchant.merchantId, 'support', `forgetful@${emailRun}.example.com`);
    const before = client();
    await before.signIn({ email: `forgetful@${emailRun}.example.com`, password: memberPassword });

    const asked = await client().request('POST', '/console/api/password/forgot', { email: `forgetful@${emailRun}.example.com` });
    expect(asked.status).toBe(202);
    const unknown = await client().request('POST', '/console/api/password/forgot', { email: `stranger@${emailRun}.example.com` });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(asked.body);
    const token = await resetToken(member.id);
    const stored = await stack.db.db.selectFrom('console_tokens').select('token_hash').where('member_id', '=', member.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.token_hash.toString('base64url')).not.toBe(token);

    const weak = await client().request('POST', '/console/api/password/set', { token, password: 'short' });
    expect(weak.body.error.code).toBe('console_password_weak');
    const set = await client().request('POST', '/console/api/password/set', { token, password: 'a brand new passphrase' });
    expect(set.status).toBe(200);
    const reused = await client().request('POST', '/console/api/password/set', { token, password: 'another new passphrase' });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('console_link_invalid');

    expect((await before.request('GET', '/console/api/session')).status).toBe(401);
    expect((await client().signIn({ email: `forgetful@${emailRun}.example.com`, password: memberPassword })).status).toBe(401);
    expect((await client().signIn({ email: `forgetful@${emailRun}.example.com`, password: 'a brand new passphrase' })).status).toBe(200);
  });

  it('refuses a link past its expiry', async () => {
    const member = await addMember(stack, stack.merchant.merchantId, 'support', `slow@${emailRun}.example.com`);
    await client().request('POST', '/console/api/password/forgot', { email: `slow@${emailRun}.example.com` });
    const token = await resetToken(member.id);
    clock.advanceMs(limits.consolePasswordResetExpiresMs + 1);
    const late = await client().request('POST', '/console/api/password/set', { token, password: 'a brand new passphrase' });
    expect(late.body.error.code).toBe('console_link_invalid');
    expect((await client().signIn({ email: `slow@${emailRun}.example.com`, password: memberPassword })).status).toBe(200);
  });
});

describe('invitations and members of several merchants', () => {
  it('lets an invited member set a password through the emailed link and sign in with the invited role', async () => {
    const owner = client();
    await newOwner(`inviter@${emailRun}.example.com`);
    await owner.signIn({ email: `inviter@${emailRun}.example.com`, password: ownerPassword });
    await enrol(owner, nowCode);
    const invited = await owner.request('POST', '/console/api/members', { email: `newcomer@${emailRun}.example.com`, name: 'New Comer', role: 'analyst', locale: 'zh-CN' });
    expect(invited.status).toBe(200);
    expect(invited.body).toMatchObject({ role: 'analyst', invitation_pending: true });
    // Before the password is set, nothing signs in as the invitee.
    expect((await client().signIn({ email: `newcomer@${emailRun}.example.com`, password: 'any password at all' })).status).toBe(401);
    const mail = await stack.db.db.selectFrom('messages').select(['id', 'body_text', 'body_html', 'body_sealed', 'subject', 'locale']).where('purpose', '=', 'console_invitation').where('recipient', '=', `newcomer@${emailRun}.example.com`).executeTakeFirstOrThrow();
    expect(mail.locale).toBe('zh-CN');
    expect(mail.subject).toContain('Paypilot 控制台');
    const token = /#token=([A-Za-z0-9_-]+)/.exec(openMessageBody(mail, stack.context.keys.messages).text)![1]!;
    expect((await client().request('POST', '/console/api/password/set', { token, password: 'my own new passphrase' })).status).toBe(200);
    const signedIn = await client().signIn({ email: `newcomer@${emailRun}.example.com`, password: 'my own new passphrase' });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.member).toMatchObject({ role: 'analyst', invitation_pending: false, two_factor: { required: false, enabled: false } });
  });

  it('asks which merchant when one email belongs to members of several', async () => {
    const other = await stack.newMerchant({ name: 'Second Shop' });
    await addMember(stack, stack.merchant.merchantId, 'support', `both@${emailRun}.example.com`);
    await addMember(stack, other.merchant.merchantId, 'operator', `both@${emailRun}.example.com`);
    const ambiguous = await client().signIn({ email: `both@${emailRun}.example.com`, password: memberPassword });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error).toMatchObject({ code: 'parameter_missing', param: 'merchant' });
    const chosen = await client().signIn({ email: `both@${emailRun}.example.com`, password: memberPassword, merchant: other.merchant.merchantId });
    expect(chosen.body).toMatchObject({ merchant: other.merchant.merchantId, member: { role: 'operator' } });
  });

  it('counts wrong codes when turning 2FA off, and turns it off with a right one', async () => {
    const member = await addMember(stack, stack.merchant.merchantId, 'developer', `optional-2fa@${emailRun}.example.com`);
    const browser = client();
    await browser.signIn({ email: `optional-2fa@${emailRun}.example.com`, password: memberPassword });
    const { secret } = await enrol(browser, nowCode);
    const wrong = await browser.request('POST', '/console/api/two_factor/disable', { code: '000000' });
    expect(wrong.body.error.code).toBe('console_code_incorrect');
    const row = await stack.db.db.selectFrom('console_members').select('failed_sign_ins').where('id', '=', member.id).executeTakeFirstOrThrow();
    expect(row.failed_sign_ins).toBe(1);
    clock.advanceMs(30_000);
    const off = await browser.request('POST', '/console/api/two_factor/disable', { code: nowCode(secret) });
    expect(off.body).toMatchObject({ enabled: false });
    expect((await client().signIn({ email: `optional-2fa@${emailRun}.example.com`, password: memberPassword })).status).toBe(200);
  });
});
