/**
 * `npm start` as a developer runs it: the real command in a child process,
 * on an embedded PostgreSQL (or DATABASE_URL when the run sets one), with a
 * demo merchant that can pay; a second start reuses the data; Ctrl-C stops
 * everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { embeddedDatabaseDirs, freePort } from '../../src/store/embedded-postgres.ts';
import { freePortRun } from '../support/ports.ts';
import { card } from '../support/stack.ts';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-start-'));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs a paypilot command and waits until its output says it is up. */
async function runUntilReady(args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['src/cli.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${args.join(' ')} did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output };
}

async function startCommand(port: number): Promise<{ child: ChildProcess; output: () => string }> {
  return runUntilReady(['start'], { PAYPILOT_DATA_DIR: dataDir, PORT: String(port), SIMULATOR_PORT: String(await freePortRun(6)) }, 'Press Ctrl-C to stop.');
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return Promise.race([exited, new Promise<null>((_, reject) => setTimeout(() => reject(new Error('did not stop within 30 s')), 30_000))]);
}

describe('npm start', () => {
  it('starts everything with a demo merchant that can pay, and stops cleanly on Ctrl-C', async () => {
    const port = await freePortRun(1);
    const { child, output } = await startCommand(port);
    const demo = JSON.parse(await readFile(path.join(dataDir, 'demo.json'), 'utf8'));
    expect(demo).toMatchObject({ api_base: `http://127.0.0.1:${port}` });
    expect(demo.secret_key).toMatch(/^sk_test_/);
    expect(demo.publishable_key).toMatch(/^pk_test_/);
    expect(demo.merchant_id).toMatch(/^mer_/);
    expect(output()).toContain(demo.secret_key);
    expect(output()).toContain('curl');
    // Without PAYPILOT_MASTER_KEY it keeps its development key and says so once, in the banner (no separate warning).
    if (!process.env.PAYPILOT_MASTER_KEY) {
      expect(output().match(/Master key: the development key in \S+master\.key/g)).toHaveLength(1);
      expect(output()).not.toContain('warning: PAYPILOT_MASTER_KEY');
      expect(existsSync(path.join(dataDir, 'master.key'))).toBe(true);
    }

    const headers = { authorization: `Bearer ${demo.secret_key}`, 'content-type': 'application/json' };
    const ready = await fetch(`${demo.api_base}/ready`);
    expect(ready.status).toBe(200);
    const created = await (await fetch(`${demo.api_base}/v1/payments`, { method: 'POST', headers, body: JSON.stringify({ amount: 1234, currency: 'CNY' }) })).json() as any;
    const confirmed = await fetch(`${demo.api_base}/v1/payments/${created.id}/confirm`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ payment_method: card('4242424242424242') }),
    });
    expect(((await confirmed.json()) as any).status).toBe('succeeded');
    expect(created.payment_method_types).toEqual(['alipay', 'card', 'unionpay', 'wechat_pay']);
    const qr = await (await fetch(`${demo.api_base}/v1/payments`, { method: 'POST', headers, body: JSON.stringify({ amount: 500, currency: 'CNY' }) })).json() as any;
    const alipay = await (await fetch(`${demo.api_base}/v1/payments/${qr.id}/confirm`, { method: 'POST', headers, body: JSON.stringify({ payment_method: { type: 'alipay' } }) })).json() as any;
    expect(alipay).toMatchObject({ status: 'requires_action', next_action: { type: 'display_qr_code' } });
    expect((await fetch(alipay.next_action.display_qr_code.data)).status).toBe(200);
    // The demo payer pays from a wallet topped up at start.
    expect(demo.customer_id).toMatch(/^cus_/);
    expect(output()).toContain('147258');
    const fromWallet = await (await fetch(`${demo.api_base}/v1/payments`, { method: 'POST', headers, body: JSON.stringify({ amount: 800, currency: 'CNY', customer: demo.customer_id }) })).json() as any;
    const walletPaid = await (await fetch(`${demo.api_base}/v1/payments/${fromWallet.id}/confirm`, { method: 'POST', headers, body: JSON.stringify({ payment_method: { type: 'wallet', wallet: { pin: '147258' } } }) })).json() as any;
    expect(walletPaid.status).toBe('succeeded');
    const wallet = await (await fetch(`${demo.api_base}/v1/customers/${demo.customer_id}/wallet`, { headers })).json() as any;
    expect(wallet).toMatchObject({ currency: 'CNY', available: 50_000 - 800 });
    // The demo payer's top-up and payment were mailed to the local mail catcher, whose page lists them.
    const catcherUrl = /Emails and SMS sent to payers \(a local mail catcher\): (\S+)/.exec(output())?.[1];
    expect(catcherUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // On a shared server (DATABASE_URL) the worker also sends what other tests left queued, so only the
    // demo payer's emails are counted.
    const toDemoPayer = (emails: { subject: string; to: string[] }[]) => emails.filter((email) => email.to.includes('wang.fang@example.com'));
    let caught: { subject: string; to: string[] }[] = [];
    for (let i = 0; i < 100 && caught.length < 2; i += 1) {
      caught = toDemoPayer(await (await fetch(`${catcherUrl}/api/emails`)).json() as typeof caught);
      if (caught.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(caught.length).toBeGreaterThanOrEqual(2);
    expect(caught.some((email) => email.subject.includes('Demo Shop'))).toBe(true);
    expect(await (await fetch(catcherUrl!)).text()).toContain('Demo Shop');
    // The demo's console owner signs in with the generated password kept in demo.json, and is led to 2FA enrolment;
    // a password reset link reaches the mail catcher through the outbox.
    expect(demo.console_email).toBe(`owner+${demo.merchant_id}@demo-shop.example`);
    expect(output()).toContain(demo.console_password);
    const json = { 'content-type': 'application/json' };
    const consoleSignIn = await fetch(`${demo.api_base}/console/api/sign_in`, { method: 'POST', headers: json, body: JSON.stringify({ email: demo.console_email, password: demo.console_password }) });
    expect(consoleSignIn.status).toBe(200);
    expect(((await consoleSignIn.json()) as any).two_factor_enrolment_required).toBe(true);
    expect((await fetch(`${demo.api_base}/console/api/password/forgot`, { method: 'POST', headers: json, body: JSON.stringify({ email: demo.console_email }) })).status).toBe(202);
    let resetMails: { subject: string; to: string[] }[] = [];
    for (let i = 0; i < 100 && resetMails.length === 0; i += 1) {
      resetMails = ((await (await fetch(`${catcherUrl}/api/emails`)).json()) as typeof resetMails).filter((email) => email.to.includes(demo.console_email));
      if (resetMails.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(resetMails[0]?.subject).toContain('Reset your Paypilot console password');

    expect(await stop(child)).toBe(0);
    expect(output()).toContain('stopped');
    // Kept where the server put it: in the data directory, or (as root in a clone postgres cannot enter) beside it.
    if (!process.env.DATABASE_URL) expect(embeddedDatabaseDirs(dataDir).some((dir) => existsSync(path.join(dir, 'PG_VERSION')))).toBe(true);

    // A second start reuses the data: the same demo merchant, and the payment is still there.
    const again = await startCommand(port);
    const demoAgain = JSON.parse(await readFile(path.join(dataDir, 'demo.json'), 'utf8'));
    expect(demoAgain.merchant_id).toBe(demo.merchant_id);
    expect(demoAgain.customer_id).toBe(demo.customer_id);
    expect(demoAgain.console_password).toBe(demo.console_password);
    const kept = await (await fetch(`${demo.api_base}/v1/payments/${created.id}`, { headers })).json() as any;
    expect(kept.status).toBe('succeeded');
    expect(await stop(again.child)).toBe(0);
  }, 180_000);

  it('creates a merchant and a key from the command line, shown once and stored hashed', async () => {
    const merchant = await runCommand(['merchant', 'create', '--name', 'Tea House', '--email', 'ops@tea.example']);
    expect(merchant.code).toBe(0);
    const created = JSON.parse(merchant.stdout);
    expect(created.merchant_id).toMatch(/^mer_/);
    for (const name of ['secret_test', 'publishable_test', 'secret_live', 'publishable_live']) expect(created[name]).toMatch(/^(sk|pk)_(test|live)_/);
    const key = await runCommand(['keys', 'create', '--merchant', created.merchant_id, '--kind', 'secret', '--mode', 'live']);
    expect(key.code).toBe(0);
    expect(key.stdout.trim()).toMatch(/^sk_live_[A-Za-z0-9_-]{32}$/);
    const missing = await runCommand(['keys', 'create', '--merchant', 'mer_nobody', '--kind', 'secret', '--mode', 'live']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no merchant mer_nobody');
    const usage = await runCommand(['dance']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: paypilot');
  }, 120_000);

  it('runs the worker alone with its own /metrics when WORKER_METRICS_PORT is set, and stops on SIGTERM', async () => {
    const metricsPort = await freePort();
    const { child, output } = await runUntilReady(
      ['worker'],
      { DATABASE_URL: inject('databaseUrl'), PAYPILOT_DATA_DIR: dataDir, WORKER_METRICS_PORT: String(metricsPort) },
      'worker running',
    );
    expect(output()).toContain(`metrics at http://127.0.0.1:${metricsPort}/metrics`);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE paypilot_webhook_delivery_duration_seconds histogram');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});

function runCommand(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/cli.ts', ...args], { env: { ...process.env, PAYPILOT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
