/**
 * The audit trail: a row for every console action (sign-in, failed sign-in
 * and 2FA changes included) with who, what, which object, from where, and
 * the values before and after, never a secret; filters, keyset pages and
 * CSV; appends that race without forking the chain; UPDATE and DELETE
 * refused; and `paypilot audit verify` finding an altered and a removed row.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { totp } from '../../src/domain/console/totp.ts';
import { audit, verifyAudit } from '../../src/flows/console/audit.ts';
import { createOwner } from '../../src/flows/console/team.ts';
import { ConsoleClient, base32Decode, emailRun } from '../support/console.ts';
import { ManualClock, card, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.parse('2026-12-03T08:00:00Z'));
// scrypt is slow on purpose (0.3 s a hash on an idle machine, seconds on a loaded one): these tests get room for it.
vi.setConfig({ testTimeout: 90_000 });
let stack: Stack;
const password = 'the owner’s long password';
const address = '10.3.0.1';

beforeAll(async () => {
  stack = await startStack({ clock, instantRetries: true });
});
afterAll(async () => stack?.close());

async function auditRows(merchantId: string) {
  return stack.db.db.selectFrom('audit_log').selectAll().where('merchant_id', '=', merchantId).orderBy('seq').execute();
}

async function paid(kind: 'succeeded' | 'requires_capture' | 'open', secretKey = stack.secretKey): Promise<string> {
  const created = await stack.api('POST', '/v1/payments', { amount: 2000, currency: 'CNY', ...(kind === 'requires_capture' ? { capture_method: 'manual' } : {}) }, { key: secretKey });
  if (kind !== 'open') await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: secretKey });
  return created.body.id;
}

describe('what the audit trail records', () => {
  it('writes a row for every console action, with actor, object, address and before/after, and never a secret', async () => {
    const merchant = await stack.newMerchant({ name: 'Audited Shop' });
    const merchantId = merchant.merchant.merchantId;
    const owner = await createOwner(stack.context, { merchantId, email: `boss@${emailRun}.audited.example`, password });
    const browser = new ConsoleClient(stack, address);
    expect((await browser.signIn({ email: `boss@${emailRun}.audited.example`, password: 'not the password at all' })).status).toBe(401);
    expect((await browser.signIn({ email: `boss@${emailRun}.audited.example`, password })).status).toBe(200);
    const started = await browser.request('POST', '/console/api/two_factor/enrolment');
    const secretText = new URL(started.body.otpauth_uri).searchParams.get('secret')!;
    const secret = base32Decode(secretText);
    expect((await browser.request('POST', '/console/api/two_factor/confirmation', { code: '000000' })).status).toBe(401);
    const confirmed = await browser.request('POST', '/console/api/two_factor/confirmation', { code: totp(secret, clock.nowMs()) });
    expect(confirmed.status).toBe(200);
    const invited = await browser.request('POST', '/console/api/members', { email: `helper@${emailRun}.audited.example`, role: 'support' });
    expect(invited.status).toBe(200);
    expect((await browser.request('POST', `/console/api/members/${invited.body.id}`, { role: 'operator' })).status).toBe(200);
    expect((await browser.request('POST', '/console/api/settings/refund_limits', { currency: 'CNY', amount_max: 5000 })).status).toBe(200);
    const refunded = await paid('succeeded', merchant.secretKey);
    expect((await browser.request('POST', `/console/api/payments/${refunded}/refund?mode=test`, { amount: 700 })).status).toBe(200);
    const held = await paid('requires_capture', merchant.secretKey);
    expect((await browser.request('POST', `/console/api/payments/${held}/capture?mode=test`, {})).status).toBe(200);
    const open = await paid('open', merchant.secretKey);
    expect((await browser.request('POST', `/console/api/payments/${open}/cancel?mode=test`, { cancellation_reason: 'duplicate' })).status).toBe(200);
    expect((await browser.request('DELETE', `/console/api/members/${invited.body.id}`)).status).toBe(200);
    expect((await browser.request('POST', '/console/api/password/forgot', { email: `boss@${emailRun}.audited.example` })).status).toBe(202);
    const sessionCsrf = browser.csrf;
    expect((await browser.request('POST', '/console/api/sign_out')).status).toBe(200);

    const rows = await auditRows(merchantId);
    expect(rows.map((row) => row.action)).toEqual([
      // The stack's card account, made with the merchant's secret key: /v1 writes are audited too.
      'connector_account.created',
      'member.created',
      'member.sign_in_failed',
      'member.signed_in',
      'member.two_factor_enrolment_started',
      'member.two_factor_confirmation_failed',
      'member.two_factor_enabled',
      'member.invited',
      'member.role_changed',
      'settings.refund_limit_changed',
      'payment.refunded',
      'payment.captured',
      'payment.canceled',
      'member.removed',
      'member.password_reset_requested',
      'member.signed_out',
    ]);
    expect(rows.map((row) => Number(row.seq))).toEqual(rows.map((_, index) => index + 1));
    const byAction = Object.fromEntries(rows.map((row) => [row.action, row]));
    expect(byAction['member.sign_in_failed']).toMatchObject({ actor_type: 'anonymous', actor_label: `boss@${emailRun}.audited.example`, object_id: owner.id, address, after: { reason: 'password' } });
    expect(byAction['member.role_changed']).toMatchObject({ actor_type: 'member', actor_id: owner.id, object_type: 'member', object_id: invited.body.id, before: { role: 'support' }, after: { role: 'operator' }, address });
    expect(byAction['payment.refunded']).toMatchObject({ object_type: 'payment', object_id: refunded, before: { amount_refunded: '0' }, after: { amount: '700', currency: 'CNY' } });
    expect(byAction['member.removed']?.before).toEqual({ email: `helper@${emailRun}.audited.example`, role: 'operator' });
    expect(byAction['member.signed_in']?.request_id).toMatch(/^req_/);

    const everything = JSON.stringify(rows.map(({ hash: _h, prev_hash: _p, seq: _s, ...row }) => row));
    for (const secretValue of [password, secretText, ...confirmed.body.recovery_codes, sessionCsrf, browser.cookie!.split('=')[1]]) {
      expect(everything).not.toContain(secretValue);
    }
  });

  it('filters by actor, action, object and date, pages by keyset, and exports CSV', async () => {
    const merchant = await stack.newMerchant({ name: 'Filtered Shop' });
    const merchantId = merchant.merchant.merchantId;
    const owner = await createOwner(stack.context, { merchantId, email: `owner@${emailRun}.filtered.example`, password });
    const browser = new ConsoleClient(stack, '10.3.0.2');
    await browser.signIn({ email: `owner@${emailRun}.filtered.example`, password });
    clock.advanceMs(60_000);
    const started = await browser.request('POST', '/console/api/two_factor/enrolment');
    const secret = base32Decode(new URL(started.body.otpauth_uri).searchParams.get('secret')!);
    await browser.request('POST', '/console/api/two_factor/confirmation', { code: totp(secret, clock.nowMs()) });
    const splitAt = new Date(clock.nowMs() + 1000).toISOString();
    clock.advanceMs(60_000);
    for (let i = 0; i < 5; i += 1) await browser.request('POST', '/console/api/members', { email: `m${i}@${emailRun}.filtered.example`, role: 'analyst' });

    const invites = await browser.request('GET', '/console/api/audit_log?action=member.invited&limit=2');
    expect(invites.body.data.map((row: { action: string }) => row.action)).toEqual(['member.invited', 'member.invited']);
    expect(invites.body.has_more).toBe(true);
    const seen = [...invites.body.data];
    let cursor = invites.body.next_before_seq;
    while (cursor) {
      const page = await browser.request('GET', `/console/api/audit_log?action=member.invited&limit=2&before_seq=${cursor}`);
      seen.push(...page.body.data);
      cursor = page.body.next_before_seq;
    }
    expect(seen.map((row: { seq: number }) => row.seq)).toEqual([...seen.map((row: { seq: number }) => row.seq)].sort((a, b) => b - a));
    expect(new Set(seen.map((row: { id: string }) => row.id)).size).toBe(5);

    const early = await browser.request('GET', `/console/api/audit_log?occurred_lt=${encodeURIComponent(splitAt)}&limit=100`);
    expect(early.body.data.map((row: { action: string }) => row.action).sort()).toEqual(['connector_account.created', 'member.created', 'member.signed_in', 'member.two_factor_enabled', 'member.two_factor_enrolment_started']);
    const late = await browser.request('GET', `/console/api/audit_log?occurred_gte=${encodeURIComponent(splitAt)}&limit=100`);
    expect(late.body.data).toHaveLength(5);
    const byActor = await browser.request('GET', `/console/api/audit_log?actor=${owner.id}&limit=100`);
    expect(byActor.body.data).toHaveLength(8);
    const aboutOwner = await browser.request('GET', `/console/api/audit_log?object_type=member&object_id=${owner.id}&limit=100`);
    expect(aboutOwner.body.data).toHaveLength(4);

    const csv = await browser.request('GET', '/console/api/audit_log?action=member.invited', undefined, { headers: { accept: 'text/csv' } });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = String(csv.body).trim().split('\r\n');
    expect(lines[0]).toBe('seq,id,occurred_at,actor_type,actor_id,actor_label,action,object_type,object_id,address,request_id,before,after');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toContain('member.invited');
  });
});

describe('the chain', () => {
  it('appends many rows at once without forking: one contiguous sequence, every link verified', async () => {
    const merchant = await stack.newMerchant({ name: 'Busy Shop' });
    const merchantId = merchant.merchant.merchantId;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        audit(stack.context, stack.context.db, { merchantId, actor: { type: 'system', id: null, label: 'test' }, origin: { address: null, requestId: null }, action: 'test.appended', object: { type: 'test', id: String(i) } }),
      ),
    );
    const rows = await auditRows(merchantId);
    // 30 rows, after the one of the merchant's card account (created with its key).
    expect(rows.filter((row) => row.action === 'test.appended')).toHaveLength(30);
    expect(rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]!.prev_hash.equals(rows[i - 1]!.hash)).toBe(true);
    expect((await verifyAudit(stack.db.db, merchantId)).problems).toEqual([]);
  });

  it('refuses UPDATE and DELETE of audit rows', async () => {
    const merchant = await stack.newMerchant({ name: 'Immutable Shop' });
    await createOwner(stack.context, { merchantId: merchant.merchant.merchantId, email: `o@${emailRun}.immutable.example`, password });
    await expect(sql`update audit_log set action = 'nothing' where merchant_id = ${merchant.merchant.merchantId}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    await expect(sql`delete from audit_log where merchant_id = ${merchant.merchant.merchantId}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
    await expect(sql`delete from audit_chain_heads where merchant_id = ${merchant.merchant.merchantId}`.execute(stack.db.db)).rejects.toThrow(/immutable/);
  });

  it('still checks a chain whose head was removed, and says so', async () => {
    const merchant = await stack.newMerchant({ name: 'Headless Shop' });
    const merchantId = merchant.merchant.merchantId;
    await createOwner(stack.context, { merchantId, email: `o@${emailRun}.headless.example`, password });
    await stack.db.db.transaction().execute(async (trx) => {
      await sql`alter table audit_chain_heads disable trigger audit_chain_heads_kept`.execute(trx);
      await sql`delete from audit_chain_heads where merchant_id = ${merchantId}`.execute(trx);
      await sql`alter table audit_chain_heads enable trigger audit_chain_heads_kept`.execute(trx);
    });
    const report = await verifyAudit(stack.db.db, merchantId);
    expect(report.problems.map((problem) => problem.kind)).toContain('head_mismatch');
  });
});

describe('paypilot audit verify', () => {
  const runVerify = (merchantId: string) => runCli(['audit', 'verify', '--merchant', merchantId]);

  async function runCli(args: string[]): Promise<{ code: number | null; stdout: string }> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-audit-'));
    try {
      return await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['src/cli.ts', ...args], {
          env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PAYPILOT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', () => {});
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, stdout }));
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  /** What only a superuser can do: switch the trigger off for one statement, as an intruder with the database's keys would. */
  async function tamper(statement: ReturnType<typeof sql>) {
    await stack.db.db.transaction().execute(async (trx) => {
      await sql`alter table audit_log disable trigger audit_log_immutable`.execute(trx);
      await statement.execute(trx);
      await sql`alter table audit_log enable trigger audit_log_immutable`.execute(trx);
    });
  }

  it('exits 0 on a whole chain, and 1 naming the row that was altered, then the row that was removed', async () => {
    const merchant = await stack.newMerchant({ name: 'Tampered Shop' });
    const merchantId = merchant.merchant.merchantId;
    for (let i = 0; i < 5; i += 1) {
      await audit(stack.context, stack.context.db, { merchantId, actor: { type: 'system', id: null, label: 'test' }, origin: { address: null, requestId: null }, action: 'test.row', object: { type: 'test', id: String(i) }, after: { n: i } });
    }
    // Row 1 is the merchant's card account (created with its key); the test's rows are 2 to 6.
    const whole = await runVerify(merchantId);
    expect(whole.code).toBe(0);
    expect(whole.stdout).toContain('audit verified');

    await tamper(sql`update audit_log set after = '{"n": 99}' where merchant_id = ${merchantId} and seq = 3`);
    const altered = await runVerify(merchantId);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toMatch(new RegExp(`altered\\s+${merchantId} row 3 `));
    expect(altered.stdout).not.toMatch(/row [456] /);

    await tamper(sql`update audit_log set after = '{"n": 1}' where merchant_id = ${merchantId} and seq = 3`);
    expect((await verifyAudit(stack.db.db, merchantId)).problems).toEqual([]);

    await tamper(sql`delete from audit_log where merchant_id = ${merchantId} and seq = 5`);
    const removed = await runVerify(merchantId);
    expect(removed.code).toBe(1);
    expect(removed.stdout).toMatch(new RegExp(`missing\\s+${merchantId} row 5 `));

    // Cutting rows off the end leaves no gap, but the chain head still names them.
    await tamper(sql`delete from audit_log where merchant_id = ${merchantId} and seq = 6`);
    const cut = await runVerify(merchantId);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain('head_mismatch');
  });

  it('merchant create --owner-email makes a console owner with a generated password, printed once, who can sign in', async () => {
    const created = await runCli(['merchant', 'create', '--name', 'CLI Shop', '--owner-email', `founder@${emailRun}.cli-shop.example`]);
    expect(created.code).toBe(0);
    const printed = JSON.parse(created.stdout);
    expect(printed).toMatchObject({ merchant_id: expect.stringMatching(/^mer_/), console_email: `founder@${emailRun}.cli-shop.example` });
    expect(printed.console_password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const signedIn = await new ConsoleClient(stack, '10.3.0.9').signIn({ email: `founder@${emailRun}.cli-shop.example`, password: printed.console_password });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ merchant: printed.merchant_id, two_factor_enrolment_required: true });
    expect((await auditRows(printed.merchant_id)).map((row) => row.action)).toEqual(['member.created', 'member.signed_in']);
  });
});
