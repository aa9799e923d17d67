/**
 * Revocation takes effect at once in every API process: two Fastify apps on
 * the same database, each with its own key cache and its own LISTEN
 * connection. And when a process loses its LISTEN connection it drops its
 * cache and looks every key up until the listener is back.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/routes/route-kit.ts';
import { createFlowContext } from '../../src/runtime.ts';
import type { FlowContext } from '../../src/flows/context.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { notifyInvalidation, startInvalidationListener, type InvalidationListener } from '../../src/store/invalidation.ts';
import { startStack, testMasterKey, type Stack } from '../support/stack.ts';

let stack: Stack;
/** The second API process: its own pool, its own listener, its own cache. */
let other: { app: App; url: string; db: DatabaseHandle; context: FlowContext; invalidation: InvalidationListener };

beforeAll(async () => {
  stack = await startStack();
  const db = openDatabase(inject('databaseUrl'), { poolSize: 4 });
  const context = createFlowContext({ db: db.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0' });
  // A short reconnect delay keeps the lost-connection test quick; long enough that the loss is seen first.
  const invalidation = await startInvalidationListener(db.pool, { reconnectDelayMs: 500 });
  const app = await buildApp({ context, logLevel: 'silent', invalidation });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  other = { app, url, db, context, invalidation };
});
afterAll(async () => {
  await other?.app.close();
  await other?.invalidation.close();
  await other?.db.close();
  await stack?.close();
});

/** Over a real socket, as a client of each process would call it. */
async function statusOn(process: { url: string }, key: string): Promise<number> {
  const answer = await fetch(`${process.url}/v1/payments?limit=1`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(10_000) });
  await answer.arrayBuffer();
  return answer.status;
}

async function cacheCount(context: FlowContext, result: 'hit' | 'miss' | 'bypass'): Promise<number> {
  const metric = await context.metrics.apiKeyCacheLookups.get();
  return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
}

async function newSecretKey(): Promise<{ id: string; secret: string }> {
  const created = await stack.api('POST', '/v1/api_keys', { kind: 'secret' });
  expect(created.status).toBe(200);
  return created.body;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries += 1) await new Promise((r) => setTimeout(r, 25));
  if (!condition()) throw new Error(`timed out waiting until ${what}`);
}

describe('the invalidation barrier', () => {
  it('settles once every listening process has acknowledged the change, and not before it is announced', async () => {
    const unheard = stack.invalidation.barrier('api_key', 'key_never_announced');
    expect(await unheard.settled(200)).toBe(false);
    const barrier = stack.invalidation.barrier('api_key', 'key_announced');
    const heardByOther = other.invalidation.waitFor('api_key', 'key_announced', 5_000);
    await notifyInvalidation(stack.db.db, 'api_key', 'key_announced');
    expect(await barrier.settled(5_000)).toBe(true);
    expect(await heardByOther).toBe(true);
  });
});

describe('key invalidation across API processes', () => {
  it('a key revoked through one process is refused by the other on the very next request, though warm in its cache', async () => {
    const key = await newSecretKey();
    for (const app of [stack, other, stack, other]) expect(await statusOn(app, key.secret)).toBe(200);
    const hitsBefore = await cacheCount(other.context, 'hit');
    expect(await statusOn(other, key.secret)).toBe(200);
    expect(await cacheCount(other.context, 'hit')).toBe(hitsBefore + 1);

    expect((await stack.api('POST', `/v1/api_keys/${key.id}/revoke`, {})).status).toBe(200);
    expect(await statusOn(other, key.secret)).toBe(401);
    expect(await statusOn(stack, key.secret)).toBe(401);
  });

  it('a key revoked by SQL alone (an operator at the console) is refused as soon as the notification arrives', async () => {
    const key = await newSecretKey();
    expect(await statusOn(other, key.secret)).toBe(200);
    expect(await statusOn(other, key.secret)).toBe(200);
    // Plain SQL has no barrier: the trigger's notification reaches each process a few milliseconds after the commit.
    const heard = other.invalidation.waitFor('api_key', key.id, 5_000);
    await sql`update api_keys set revoked_at = now() where id = ${key.id}`.execute(stack.db.db);
    expect(await heard).toBe(true);
    expect(await statusOn(other, key.secret)).toBe(401);
  });

  it('a roll with no overlap stops the old key in the other process on the very next request', async () => {
    const key = await newSecretKey();
    expect(await statusOn(other, key.secret)).toBe(200);
    expect(await statusOn(other, key.secret)).toBe(200);
    const rolled = await stack.api('POST', `/v1/api_keys/${key.id}/roll`, {});
    expect(rolled.status).toBe(200);
    expect(await statusOn(other, key.secret)).toBe(401);
    expect(await statusOn(other, rolled.body.secret)).toBe(200);
  });

  it('on a lost LISTEN connection the cache is dropped and bypassed (never trusted stale) until the listener is back', async () => {
    const key = await newSecretKey();
    expect(await statusOn(other, key.secret)).toBe(200);
    expect(await statusOn(other, key.secret)).toBe(200);
    const pid = other.invalidation.backendPid();
    expect(pid).not.toBeNull();
    await sql`select pg_terminate_backend(${pid})`.execute(stack.db.db);
    await until(() => !other.invalidation.isListening(), 'the listener notices its connection is gone');

    // Revoked while nobody listens: the notification is lost, yet the other process refuses the key.
    await sql`update api_keys set revoked_at = now() where id = ${key.id}`.execute(stack.db.db);
    const bypassBefore = await cacheCount(other.context, 'bypass');
    expect(await statusOn(other, key.secret)).toBe(401);
    const survivor = await newSecretKey();
    expect(await statusOn(other, survivor.secret)).toBe(200);
    if (!other.invalidation.isListening()) expect(await cacheCount(other.context, 'bypass')).toBeGreaterThan(bypassBefore);

    // Back: keys are cached again, and revocations reach the cache again.
    await until(() => other.invalidation.isListening(), 'the listener is back');
    expect(other.invalidation.backendPid()).not.toBe(pid);
    expect(await statusOn(other, survivor.secret)).toBe(200);
    const hitsBefore = await cacheCount(other.context, 'hit');
    expect(await statusOn(other, survivor.secret)).toBe(200);
    expect(await cacheCount(other.context, 'hit')).toBe(hitsBefore + 1);
    expect((await stack.api('POST', `/v1/api_keys/${survivor.id}/revoke`, {})).status).toBe(200);
    expect(await statusOn(other, survivor.secret)).toBe(401);
  });
});
