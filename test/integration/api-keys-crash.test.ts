/**
 * Creating, rolling or revoking a key happens at most once, whatever crashes:
 * an API process killed after the change committed and before its
 * idempotency key was completed leaves the key in progress; the client's
 * retry after the stale window is answered from the API key that was made or
 * changed (without a secret, which was never stored), never by making another.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { limits } from '../../src/domain/limits.ts';
import { ManualClock, startStack, testMasterKey, type Stack } from '../support/stack.ts';

let stack: Stack;
const clock = new ManualClock(Date.now());
beforeAll(async () => {
  stack = await startStack({ clock });
});
afterAll(async () => stack?.close());

/** One keyed POST to an API process that dies (SIGKILL) right after the handler, before the key completes. */
async function postThenCrash(path: string, body: unknown, key: string, idempotencyKey: string): Promise<void> {
  const child = spawn(process.execPath, ['test/support/crash-api-child.ts'], {
    env: { ...process.env, DATABASE_URL: inject('databaseUrl'), PAYPILOT_MASTER_KEY: testMasterKey.toString('base64') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the crash API exited early (${code})`)));
    });
    const answered = await fetch(`${address}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    }).then(
      () => true,
      () => false,
    );
    expect(answered).toBe(false);
    await exited;
  } finally {
    child.kill('SIGKILL');
  }
}

async function retryAfterStaleWindow(path: string, body: unknown, key: string, idempotencyKey: string) {
  clock.setMs(Date.now() + limits.idempotencyInProgressStaleMs + 60_000);
  const late = await stack.api('POST', path, body, { key, headers: { 'idempotency-key': idempotencyKey } });
  expect(late.status, JSON.stringify(late.body)).toBe(200);
  expect(late.headers.get('idempotent-replayed')).toBe('true');
  return late;
}

describe('API keys across a crash', () => {
  it('a create cut short is answered from the key it made, without its secret, and makes no second key', async () => {
    const m = await stack.newMerchant();
    const before = await stack.api('GET', '/v1/api_keys', undefined, { key: m.secretKey });
    await postThenCrash('/v1/api_keys', { kind: 'secret' }, m.secretKey, 'crash-create-1');
    const late = await retryAfterStaleWindow('/v1/api_keys', { kind: 'secret' }, m.secretKey, 'crash-create-1');
    expect(late.body).toMatchObject({ object: 'api_key', kind: 'secret', status: 'active', secret: null });
    const after = await stack.api('GET', '/v1/api_keys', undefined, { key: m.secretKey });
    expect(after.body.data.length).toBe(before.body.data.length + 1);
    expect(after.body.data.some((k: any) => k.id === late.body.id)).toBe(true);
  });

  it('a revoke cut short is answered from the revoked key', async () => {
    const m = await stack.newMerchant();
    const extra = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: m.secretKey });
    await postThenCrash(`/v1/api_keys/${extra.body.id}/revoke`, {}, m.secretKey, 'crash-revoke-1');
    const late = await retryAfterStaleWindow(`/v1/api_keys/${extra.body.id}/revoke`, {}, m.secretKey, 'crash-revoke-1');
    expect(late.body).toMatchObject({ id: extra.body.id, status: 'revoked' });
    expect(late.body.secret).toBeUndefined();
  });
});
