/**
 * A merchant's enabled connector accounts are kept by each API process
 * (store/connector-accounts.ts), and a change to one takes effect at once in
 * every process: two Fastify apps on the same database, each with its own
 * cache and its own LISTEN connection, as in the key-revocation test. When a
 * process loses its LISTEN connection it stops trusting what it kept and reads
 * the accounts until the listener is back.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/routes/route-kit.ts';
import { createFlowContext } from '../../src/runtime.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { startInvalidationListener, type InvalidationListener } from '../../src/store/invalidation.ts';
import { card, startStack, testMasterKey, type Stack } from '../support/stack.ts';

let stack: Stack;
/** The second API process: its own pool, its own listener, its own caches. */
let other: { app: App; url: string; db: DatabaseHandle; invalidation: InvalidationListener };

beforeAll(async () => {
  stack = await startStack();
  const db = openDatabase(inject('databaseUrl'), { poolSize: 4 });
  const context = createFlowContext({ db: db.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0', outboundPolicy: { allowPrivateInTest: true } });
  // A short reconnect delay keeps the lost-connection test quick; long enough that the loss is seen first.
  const invalidation = await startInvalidationListener(db.pool, { reconnectDelayMs: 500 });
  const app = await buildApp({ context, logLevel: 'silent', invalidation });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  other = { app, url, db, invalidation };
});
afterAll(async () => {
  await other?.app.close();
  await other?.invalidation.close();
  await other?.db.close();
  await stack?.close();
});

interface Answer {
  status: number;
  body: any;
}

/** Over a real socket, as a client of either process would call it. */
async function call(process: { url: string }, key: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const answer = await fetch(`${process.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: answer.status, body: await answer.json() };
}

function createCardPayment(process: { url: string }, key: string): Promise<Answer> {
  return call(process, key, 'POST', '/v1/payments', { amount: 1_500, currency: 'USD', payment_method_types: ['card'] });
}

function confirmCard(process: { url: string }, key: string, paymentId: string): Promise<Answer> {
  return call(process, key, 'POST', `/v1/payments/${paymentId}/confirm`, { payment_method: card('4242424242424242') });
}

/** Pays once on `process`, which reads (and keeps) the merchant's accounts for create and confirm. */
async function payOn(process: { url: string }, key: string): Promise<void> {
  const created = await createCardPayment(process, key);
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const confirmed = await confirmCard(process, key, created.body.id);
  expect(confirmed.body.status).toBe('succeeded');
}

function expectUnavailable(answer: Answer): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  expect(answer.body.error.code).toBe('payment_method_unavailable');
}

/** Changes the account without the trigger's announcement (triggers off for this session): what a process that kept the accounts cannot see. */
async function changeUnannounced(accountId: string, enabled: boolean): Promise<void> {
  await stack.db.db.connection().execute(async (connection) => {
    await sql`set session_replication_role = replica`.execute(connection);
    try {
      await sql`update connector_accounts set enabled = ${enabled} where id = ${accountId}`.execute(connection);
    } finally {
      await sql`set session_replication_role = default`.execute(connection);
    }
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries += 1) await new Promise((r) => setTimeout(r, 25));
  if (!condition()) throw new Error(`timed out waiting until ${what}`);
}

describe('connector account changes across API processes', () => {
  it('the other process keeps the accounts it read: a change nobody announced goes unseen there', async () => {
    const merchant = await stack.newMerchant();
    await payOn(other, merchant.secretKey);
    const waiting = await createCardPayment(other, merchant.secretKey);
    await changeUnannounced(merchant.cardAccountId, false);
    try {
      // Kept: the disabled account is still offered and called, which is why every change must be announced.
      expect((await createCardPayment(other, merchant.secretKey)).status).toBe(200);
      expect((await confirmCard(other, merchant.secretKey, waiting.body.id)).body.status).toBe('succeeded');
    } finally {
      await changeUnannounced(merchant.cardAccountId, true);
    }
  });

  it('an account disabled through one process is refused by the other on the very next payment, though warm in its cache', async () => {
    const merchant = await stack.newMerchant();
    await payOn(other, merchant.secretKey);
    await payOn(other, merchant.secretKey);
    const waiting = await createCardPayment(other, merchant.secretKey);
    const before = stack.acquirer.stats().authorizations_created;

    const disabled = await call(stack, merchant.secretKey, 'POST', `/v1/connector_accounts/${merchant.cardAccountId}`, { enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body.enabled).toBe(false);
    // The very next requests, without waiting for anything: the change's answer came once every process had dropped it.
    expectUnavailable(await confirmCard(other, merchant.secretKey, waiting.body.id));
    expectUnavailable(await createCardPayment(other, merchant.secretKey));
    expectUnavailable(await createCardPayment(stack, merchant.secretKey));
    expect(stack.acquirer.stats().authorizations_created).toBe(before);

    // Enabled again through the other process: the first one takes payments again at once.
    expect((await call(other, merchant.secretKey, 'POST', `/v1/connector_accounts/${merchant.cardAccountId}`, { enabled: true })).status).toBe(200);
    await payOn(stack, merchant.secretKey);
    expect((await confirmCard(other, merchant.secretKey, waiting.body.id)).body.status).toBe('succeeded');
  });

  it('an account added through one process is used by the other at once, though it kept the merchant as having none', async () => {
    const merchant = await stack.newMerchant();
    expect((await call(stack, merchant.secretKey, 'POST', `/v1/connector_accounts/${merchant.cardAccountId}`, { enabled: false })).status).toBe(200);
    expectUnavailable(await createCardPayment(other, merchant.secretKey));
    expectUnavailable(await createCardPayment(other, merchant.secretKey));
    // The acquirer's key the stack's card accounts use.
    const added = await call(stack, merchant.secretKey, 'POST', '/v1/connector_accounts', { connector: 'card', credentials: { api_key: 'sk_sim_card_test' } });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    await payOn(other, merchant.secretKey);
  });

  it('an account disabled by SQL alone (an operator) is refused as soon as the notification arrives', async () => {
    const merchant = await stack.newMerchant();
    await payOn(other, merchant.secretKey);
    const waiting = await createCardPayment(other, merchant.secretKey);
    // Plain SQL has no barrier: the trigger's notification reaches each process a few milliseconds after the commit.
    const heard = other.invalidation.waitFor('connector_account', `${merchant.merchant.merchantId}:test`, 5_000);
    await sql`update connector_accounts set enabled = false where id = ${merchant.cardAccountId}`.execute(stack.db.db);
    expect(await heard).toBe(true);
    expectUnavailable(await confirmCard(other, merchant.secretKey, waiting.body.id));
  });

  it('on a lost LISTEN connection nothing kept is trusted until the listener is back', async () => {
    const merchant = await stack.newMerchant();
    await payOn(other, merchant.secretKey);
    const waiting = await createCardPayment(other, merchant.secretKey);
    const pid = other.invalidation.backendPid();
    expect(pid).not.toBeNull();
    await sql`select pg_terminate_backend(${pid})`.execute(stack.db.db);
    await until(() => !other.invalidation.isListening(), 'the listener notices its connection is gone');

    // Disabled while nobody listens: the notification is lost, yet the other process refuses the account.
    await sql`update connector_accounts set enabled = false where id = ${merchant.cardAccountId}`.execute(stack.db.db);
    expectUnavailable(await confirmCard(other, merchant.secretKey, waiting.body.id));

    // Back: the accounts are kept again, and changes reach the cache again.
    await until(() => other.invalidation.isListening(), 'the listener is back');
    expect(other.invalidation.backendPid()).not.toBe(pid);
    expect((await call(stack, merchant.secretKey, 'POST', `/v1/connector_accounts/${merchant.cardAccountId}`, { enabled: true })).status).toBe(200);
    await payOn(other, merchant.secretKey);
    expect((await call(stack, merchant.secretKey, 'POST', `/v1/connector_accounts/${merchant.cardAccountId}`, { enabled: false })).status).toBe(200);
    expectUnavailable(await confirmCard(other, merchant.secretKey, waiting.body.id));
  });
});
