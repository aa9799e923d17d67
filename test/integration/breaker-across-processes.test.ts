/**
 * Circuit breakers shared by every API process (flows/channels/account-health.ts,
 * migration 0032): three Fastify apps on one database, each with its own pool,
 * its own LISTEN connection and its own cache, as three API nodes behind a
 * load balancer. Failures seen by any of them count together and open the
 * circuit for all; once the cooldown has passed, the three together send one
 * probe, not three; the probe's success closes it everywhere.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/routes/route-kit.ts';
import { routingPolicyDefault } from '../../src/domain/payments/routing.ts';
import { createFlowContext } from '../../src/runtime.ts';
import { startCardAcquirer, type CardAcquirer } from '../../src/simulators/card-acquirer/server.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { startInvalidationListener, type InvalidationListener } from '../../src/store/invalidation.ts';
import type { FlowContext } from '../../src/flows/context.ts';
import { card, ManualClock, startStack, testMasterKey, type Stack } from '../support/stack.ts';

interface Node {
  name: string;
  url: string;
  context: FlowContext;
}

const clock = new ManualClock(Date.UTC(2026, 10, 3));
let stack: Stack;
let provider: CardAcquirer;
const others: { app: App; db: DatabaseHandle; invalidation: InvalidationListener; context: FlowContext; url: string }[] = [];
let nodes: Node[];

beforeAll(async () => {
  stack = await startStack({ clock, connectorTimeoutMs: 1_000, instantRetries: true });
  provider = await startCardAcquirer({ apiKeys: ['sk_sim_card_test'] });
  for (let i = 0; i < 2; i += 1) {
    const db = openDatabase(inject('databaseUrl'), { poolSize: 4 });
    const context = createFlowContext({
      db: db.db,
      masterKey: testMasterKey,
      publicBaseUrl: 'http://127.0.0.1:0',
      clock,
      connectorTimeoutMs: 1_000,
      sleep: async () => {},
      outboundPolicy: { allowPrivateInTest: true },
    });
    const invalidation = await startInvalidationListener(db.pool);
    const app = await buildApp({ context, logLevel: 'silent', invalidation });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    others.push({ app, db, invalidation, context, url });
  }
  nodes = [{ name: 'first', url: stack.url, context: stack.context }, ...others.map((o, i) => ({ name: i === 0 ? 'second' : 'third', url: o.url, context: o.context }))];
});
afterAll(async () => {
  for (const other of others) {
    await other.app.close();
    await other.invalidation.close();
    await other.db.close();
  }
  await provider?.close();
  await stack?.close();
});

async function call(node: Node, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const answer = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: answer.status, body: await answer.json() };
}

/** Creates a card payment on `node` and confirms it there: the confirm's answer. */
async function payOn(node: Node, key: string): Promise<{ status: number; body: any }> {
  const created = await call(node, key, 'POST', '/v1/payments', { amount: 900, currency: 'CNY', payment_method_types: ['card'] });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return call(node, key, 'POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
}

async function attemptsOn(accountId: string): Promise<number> {
  const row = await stack.db.db
    .selectFrom('payment_attempts')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('connector_account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

async function circuitIncidents(accountId: string) {
  return stack.db.db.selectFrom('connector_incidents').select(['id', 'ended_at']).where('connector_account_id', '=', accountId).where('kind', '=', 'circuit_open').execute();
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; tries < 200; tries += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** A merchant whose one card account is on this test's own provider. */
async function merchantOnProvider() {
  const merchant = await stack.newMerchant();
  const moved = await stack.api('POST', `/v1/connector_accounts/${merchant.cardAccountId}`, { base_url: provider.url }, { key: merchant.secretKey });
  expect(moved.status).toBe(200);
  return merchant;
}

describe('circuit breakers shared by three API processes', () => {
  it('counts failures seen by different processes together, opens the circuit for all of them, and records one incident', async () => {
    const merchant = await merchantOnProvider();
    // Every process has read the account's breaker (closed) and trusts what it read.
    for (const node of nodes) expect((await payOn(node, merchant.secretKey)).body.status).toBe('succeeded');
    provider.setFaults({ failNext: 1_000, failMode: 'error_500' });
    try {
      // Five failures in a row, but no process sees more than two: breakers of their own would all stay closed.
      for (const node of [nodes[0]!, nodes[1]!, nodes[2]!, nodes[0]!, nodes[1]!]) {
        expect((await payOn(node, merchant.secretKey)).body.status).not.toBe('succeeded');
      }
      const attemptsWhenOpened = await attemptsOn(merchant.cardAccountId);
      // Every process, the very next payment: refused at once, the provider never called.
      for (const node of nodes) {
        expect(await node.context.accountHealth.state(merchant.merchant.merchantId, merchant.cardAccountId, clock.nowMs())).toBe('open');
        const refused = await payOn(node, merchant.secretKey);
        expect(refused.body.error?.code ?? refused.body.last_error?.code, JSON.stringify(refused.body)).toBe('connector_unavailable');
      }
      expect(await attemptsOn(merchant.cardAccountId)).toBe(attemptsWhenOpened);
    } finally {
      provider.setFaults({ failNext: 0 });
    }
    await until(async () => (await circuitIncidents(merchant.cardAccountId)).length > 0, 'the incident is recorded');
    expect(await circuitIncidents(merchant.cardAccountId)).toHaveLength(1);
  });

  it('sends one probe from the three processes together once the cooldown has passed, and the probe closes the circuit everywhere', async () => {
    const merchant = await merchantOnProvider();
    provider.setFaults({ failNext: 1_000, failMode: 'error_500' });
    try {
      for (let i = 0; i < routingPolicyDefault.failuresToOpen; i += 1) await payOn(nodes[i % 3]!, merchant.secretKey);
    } finally {
      provider.setFaults({ failNext: 0 });
    }
    for (const node of nodes) expect(await node.context.accountHealth.state(merchant.merchant.merchantId, merchant.cardAccountId, clock.nowMs())).toBe('open');
    const before = await attemptsOn(merchant.cardAccountId);

    clock.advanceMs(routingPolicyDefault.cooldownMs + 1);
    // A slow provider keeps the probe out while every process asks for the account, twice each.
    provider.setFaults({ latencyMs: 500 }); // within the connector's timeout (1 s)
    let answers: { status: number; body: any }[];
    try {
      answers = await Promise.all(nodes.flatMap((node) => [payOn(node, merchant.secretKey), payOn(node, merchant.secretKey)]));
    } finally {
      provider.setFaults({ latencyMs: 0 });
    }
    expect(await attemptsOn(merchant.cardAccountId)).toBe(before + 1);
    expect(answers.filter((answer) => answer.body.status === 'succeeded'), JSON.stringify(answers.map((answer) => answer.body))).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.error?.code === 'connector_unavailable')).toHaveLength(5);

    // Closed for every process: each pays at once, without waiting for any cache to age.
    for (const node of nodes) expect((await payOn(node, merchant.secretKey)).body.status).toBe('succeeded');
    await until(async () => (await circuitIncidents(merchant.cardAccountId)).every((incident) => incident.ended_at !== null), 'the incident ends');
  });

  it('lets another process take the probe once the lease of a process that went silent has lapsed', async () => {
    const merchant = await merchantOnProvider();
    const [first, second] = [nodes[0]!, nodes[1]!];
    for (let i = 0; i < routingPolicyDefault.failuresToOpen; i += 1) await first.context.accountHealth.record(merchant.merchant.merchantId, merchant.cardAccountId, false, clock.nowMs());
    const account = [{ id: merchant.cardAccountId, priority: 0 }];
    const probeAt = clock.nowMs() + routingPolicyDefault.cooldownMs;
    // The first process leases the probe and is never heard from again.
    expect(await first.context.accountHealth.rank(merchant.merchant.merchantId, account, probeAt)).toHaveLength(1);
    expect(await second.context.accountHealth.rank(merchant.merchant.merchantId, account, probeAt)).toHaveLength(0);
    expect(await second.context.accountHealth.rank(merchant.merchant.merchantId, account, probeAt + routingPolicyDefault.probeLeaseMs - 1)).toHaveLength(0);
    expect(await second.context.accountHealth.rank(merchant.merchant.merchantId, account, probeAt + routingPolicyDefault.probeLeaseMs)).toHaveLength(1);
    // The silent process's late answer no longer counts: the probe is the second's.
    await first.context.accountHealth.record(merchant.merchant.merchantId, merchant.cardAccountId, true, probeAt + routingPolicyDefault.probeLeaseMs + 1);
    expect(await second.context.accountHealth.state(merchant.merchant.merchantId, merchant.cardAccountId, probeAt + routingPolicyDefault.probeLeaseMs + 1)).toBe('half_open');
    await second.context.accountHealth.record(merchant.merchant.merchantId, merchant.cardAccountId, true, probeAt + routingPolicyDefault.probeLeaseMs + 2);
    // The first hears of it as the change commits (a few milliseconds later).
    await until(async () => (await first.context.accountHealth.state(merchant.merchant.merchantId, merchant.cardAccountId, probeAt + routingPolicyDefault.probeLeaseMs + 2)) === 'closed', 'the first process sees the circuit closed');
  });

  it('costs no database round trip for a payment on a healthy account once its breaker is known', async () => {
    const merchant = await merchantOnProvider();
    const [node, handle] = [nodes[1]!, others[0]!.db];
    await payOn(node, merchant.secretKey);
    const account = [{ id: merchant.cardAccountId, priority: 0 }];
    // The breaker was read for the payment above: ranking the account and recording a success read what is kept.
    const connections = await connectionsTaken(handle, async () => {
      expect(await node.context.accountHealth.rank(merchant.merchant.merchantId, account, clock.nowMs())).toHaveLength(1);
      await node.context.accountHealth.record(merchant.merchant.merchantId, merchant.cardAccountId, true, clock.nowMs());
    });
    expect(connections).toBe(0);
    // A failure is written (and read back by every process): that costs statements, only then.
    const onFailure = await connectionsTaken(handle, () => node.context.accountHealth.record(merchant.merchant.merchantId, merchant.cardAccountId, false, clock.nowMs()));
    expect(onFailure).toBeGreaterThan(0);
  });
});

/** How many connections `handle`'s pool hands out while `work` runs: Kysely takes one for every statement. */
async function connectionsTaken(handle: DatabaseHandle, work: () => Promise<void>): Promise<number> {
  const pool = handle.pool as unknown as { connect: (...args: unknown[]) => unknown };
  const connect = pool.connect;
  let count = 0;
  pool.connect = (...args: unknown[]) => {
    count += 1;
    return connect.apply(handle.pool, args);
  };
  try {
    await work();
  } finally {
    pool.connect = connect;
  }
  return count;
}
