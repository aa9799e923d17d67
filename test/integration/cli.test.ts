/**
 * The `paypilot` command as a newcomer meets it: help on every command, a
 * clear word for a command it does not know, and `npm start` that keeps its
 * banner readable, survives a restart with everything it showed (the demo
 * wallet's real balance, the simulators' orders, so a payment made before the
 * restart can be refunded after it), and lets `ledger verify` read its
 * database beside it. `start` runs here on its own embedded PostgreSQL (no
 * DATABASE_URL), as on a newcomer's machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePortRun } from '../support/ports.ts';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-cli-'));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

const newcomerEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, PAYPILOT_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  delete env.LOG_LEVEL;
  return env;
};

function run(args: string[], env: NodeJS.ProcessEnv = newcomerEnv()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/cli.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('help and errors', () => {
  const commands = ['start', 'serve', 'worker', 'migrate', 'merchant create', 'keys create', 'keys roll', 'keys revoke', 'reconcile', 'ledger verify', 'audit verify', 'archive', 'event-stream off', 'backup', 'restore', 'simulate-traffic', 'simulators', 'cluster'];

  it('answers --help, -h and help <command> for every command with its usage and exit 0, touching no database', async () => {
    // A DATABASE_URL nobody listens on: help must not need one.
    const env = { ...newcomerEnv(), DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    // Each command in one of the three forms, in turn (each run loads the whole CLI: a few at a time).
    const forms = (words: string[], index: number) => [[...words, '--help'], [...words, '-h'], ['help', ...words]][index % 3]!;
    for (let start = 0; start < commands.length; start += 4) {
      await Promise.all(
        commands.slice(start, start + 4).map(async (command, offset) => {
          const args = forms(command.split(' '), start + offset);
          const result = await run(args, env);
          expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
          expect(result.stdout).toContain(`usage: paypilot ${command}`);
          expect(result.stdout).toContain(`  ${command}`);
          expect(result.stderr).toBe('');
        }),
      );
    }
    const all = await Promise.all([['--help'], ['-h'], ['help']].map((args) => run(args, env)));
    for (const result of all) {
      expect(result.code).toBe(0);
      for (const command of commands) expect(result.stdout).toContain(`  ${command}`);
      expect(result.stdout).toContain('LOG_LEVEL');
    }
    const group = await run(['keys', '--help'], env);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('usage: paypilot keys <create|roll|revoke>');
  }, 300_000);

  it('names an unknown command, lists the commands and exits non-zero', async () => {
    const [unknown, sub, half, helpUnknown, none, option] = await Promise.all(
      [['dance'], ['keys', 'frob'], ['ledger'], ['help', 'dance'], [], ['ledger', 'verify', '--bogus']].map((args) => run(args)),
    );
    expect(unknown!.code).toBe(2);
    expect(unknown!.stderr).toContain('unknown command "dance"');
    expect(unknown!.stderr).toContain('usage: paypilot');
    expect(unknown!.stderr).toContain('  ledger verify');
    expect(sub!.code).toBe(2);
    expect(sub!.stderr).toContain('unknown command "keys frob"');
    expect(sub!.stderr).toContain('keys roll');
    expect(half!.code).toBe(2);
    expect(half!.stderr).toContain('"ledger" needs one more word: ledger verify');
    expect(helpUnknown!.code).toBe(2);
    expect(helpUnknown!.stderr).toContain('unknown command "dance"');
    expect(none!.code).toBe(2);
    expect(none!.stderr).toContain('no command given');
    expect(option!.code).toBe(2);
    expect(option!.stderr).toContain("paypilot ledger verify: Unknown option '--bogus'");
    expect(option!.stderr).toContain('usage: paypilot ledger verify');
  }, 180_000);
});

async function startCommand(port: number, simulatorPort: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['src/cli.ts', 'start'], { env: { ...newcomerEnv(), PORT: String(port), SIMULATOR_PORT: String(simulatorPort) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

/** Polls `read` until `done` holds; bounded by count, never judged by elapsed time. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 300 && !done(value); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe('npm start for a newcomer', () => {
  it('keeps its banner last and readable, survives a restart with the wallet balance and the simulators orders, and lets ledger verify run beside it', async () => {
    // Below the ephemeral range: the restart needs the same ports free (see test/support/ports.ts).
    const port = await freePortRun(1);
    const simulatorPort = await freePortRun(6);
    const first = await startCommand(port, simulatorPort);
    // The banner is the last thing printed, and no JSON request log runs through the terminal.
    expect(first.output().trimEnd().endsWith('Press Ctrl-C to stop.')).toBe(true);
    expect(first.output()).toContain('checkout_url');
    expect(first.output()).toContain('has 500.00 CNY in a wallet');
    expect(first.output()).toContain(path.join(dataDir, 'paypilot.log'));
    const demo = JSON.parse(await readFile(path.join(dataDir, 'demo.json'), 'utf8'));
    const headers = { authorization: `Bearer ${demo.secret_key}`, 'content-type': 'application/json' };
    const api = async (method: string, route: string, body?: unknown) =>
      (await (await fetch(`${demo.api_base}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })).json()) as any;

    // The payer pays 8.00 from the demo wallet, and 20.00 at the Alipay simulator (opening the QR code's page).
    const fromWallet = await api('POST', '/v1/payments', { amount: 800, currency: 'CNY', customer: demo.customer_id });
    expect((await api('POST', `/v1/payments/${fromWallet.id}/confirm`, { payment_method: { type: 'wallet', wallet: { pin: '147258' } } })).status).toBe('succeeded');
    const atAlipay = await api('POST', '/v1/payments', { amount: 2000, currency: 'CNY' });
    const waiting = await api('POST', `/v1/payments/${atAlipay.id}/confirm`, { payment_method: { type: 'alipay' } });
    expect(waiting.status).toBe('requires_action');
    const payerPage = waiting.next_action.display_qr_code.data as string;
    expect((await fetch(payerPage)).status).toBe(200);
    expect((await fetch(`${payerPage}/pay`, { method: 'POST' })).status).toBe(200);
    expect((await until(() => api('GET', `/v1/payments/${atAlipay.id}`), (p) => p.status === 'succeeded')).status).toBe('succeeded');
    for (let i = 0; i < 20; i += 1) await api('GET', `/v1/payments/${atAlipay.id}`);
    // Those requests were logged to the file, not to the terminal.
    expect(first.output()).not.toContain('"level":30');
    expect(await readFile(path.join(dataDir, 'paypilot.log'), 'utf8')).toContain('"level":30');

    // ledger verify, beside the running start, reads the same database and says what it checked.
    const verified = await run(['ledger', 'verify']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain('already running');
    expect(verified.stdout).toMatch(/checked \d+ accounts, [1-9]\d* transactions/);
    expect(verified.stdout).toContain("ok   every transaction's entries sum to zero");
    expect(verified.stdout).toContain('ledger verified: it balances');

    expect(await stop(first.child)).toBe(0);
    const again = await startCommand(port, simulatorPort);
    expect(again.output()).toContain('has 492.00 CNY in a wallet');
    expect(again.output().trimEnd().endsWith('Press Ctrl-C to stop.')).toBe(true);
    // The Alipay simulator remembers the order paid before the restart: its refund succeeds.
    const refund = await api('POST', '/v1/refunds', { payment: atAlipay.id, amount: 500 });
    expect(refund.status, JSON.stringify(refund)).not.toBe('failed');
    const settled = await until(() => api('GET', `/v1/refunds/${refund.id}`), (r) => r.status !== 'pending');
    expect(settled, JSON.stringify(settled)).toMatchObject({ status: 'succeeded' });
    expect(await stop(again.child)).toBe(0);
  }, 300_000);
});
