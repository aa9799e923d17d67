/**
 * `paypilot keys roll` and `paypilot keys revoke`, run as an operator runs
 * them: the real command in a child process on the same database. The API
 * process (the stack) hears of each change through LISTEN/NOTIFY.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startStack, testMasterKey, type Stack } from '../support/stack.ts';

let stack: Stack;
let dataDir: string;
beforeAll(async () => {
  stack = await startStack();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-keys-'));
});
afterAll(async () => {
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli.ts', 'keys', ...args], {
      env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PAYPILOT_DATA_DIR: dataDir, PAYPILOT_MASTER_KEY: testMasterKey.toString('base64'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function works(key: string): Promise<boolean> {
  const answer = await stack.api('GET', '/v1/payments?limit=1', undefined, { key });
  expect([200, 401]).toContain(answer.status);
  return answer.status === 200;
}

describe('paypilot keys', () => {
  it('keys roll --key ID --expires-in-seconds N prints the new secret once; the old key works through the overlap', async () => {
    const m = await stack.newMerchant();
    const old = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: m.secretKey });
    expect(await works(old.body.secret)).toBe(true);
    const rolled = await runCli(['roll', '--key', old.body.id, '--expires-in-seconds', '3600']);
    expect(rolled.code).toBe(0);
    const printed = JSON.parse(rolled.stdout);
    expect(printed).toMatchObject({ object: 'api_key', kind: 'secret', mode: 'test', status: 'active' });
    expect(printed.secret).toMatch(/^sk_test_/);
    expect(rolled.stderr).toContain('shown once');
    expect(await works(printed.secret)).toBe(true);
    expect(await works(old.body.secret)).toBe(true);
  });

  it('keys revoke --key ID stops a key the API process has cached, as soon as its notification arrives', async () => {
    const m = await stack.newMerchant();
    const extra = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: m.secretKey });
    expect(await works(extra.body.secret)).toBe(true);
    expect(await works(extra.body.secret)).toBe(true);
    // The CLI process does not listen, so nothing waits for the API process to hear it: the test does.
    const heard = stack.invalidation.waitFor('api_key', extra.body.id, 10_000);
    const revoked = await runCli(['revoke', '--key', extra.body.id]);
    expect(revoked.code).toBe(0);
    expect(await heard).toBe(true);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: extra.body.id, status: 'revoked' });
    expect(await works(extra.body.secret)).toBe(false);
    expect(await works(m.secretKey)).toBe(true);
  });

  it('keys revoke refuses the last lasting secret key unless --confirm-no-secret-key-left, and an unknown key', async () => {
    const m = await stack.newMerchant();
    const keys = await stack.api('GET', '/v1/api_keys', undefined, { key: m.secretKey });
    const only = keys.body.data.find((k: any) => k.kind === 'secret').id;
    const refused = await runCli(['revoke', '--key', only]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('api_key_last_secret');
    expect(await works(m.secretKey)).toBe(true);
    const confirmed = await runCli(['revoke', '--key', only, '--confirm-no-secret-key-left']);
    expect(confirmed.code).toBe(0);
    expect(await works(m.secretKey)).toBe(false);
    const unknown = await runCli(['revoke', '--key', 'key_nothing']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('resource_missing');
  });
});
