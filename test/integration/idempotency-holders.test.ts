/**
 * Idempotency keys across many API processes (issue 19): a key names the
 * process that claimed it, and that process beats a heartbeat in PostgreSQL.
 * A retry of the same request takes a key over at once when its holder has
 * stopped beating (or its row is gone), not after the five-minute stale
 * window; a live holder's key is still refused. Every write of a request to
 * its key is fenced by its claim: a holder that was only stalled and wakes
 * after a takeover stores nothing, and answers 409.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { limits } from '../../src/domain/limits.ts';
import { createApiNodeHeartbeat } from '../../src/flows/operations/api-node-heartbeat.ts';
import { requestHash } from '../../src/http/plugins/idempotency.ts';
import { openDatabase } from '../../src/store/database.ts';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  createKeyCompleter,
  heldBy,
  markIdempotencyEffect,
  releaseIdempotencyKey,
  runUnderIdempotencyKey,
  type IdempotencyClaim,
} from '../../src/store/idempotency.ts';
import { card, startStack, type ApiResponse, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());
afterEach(() => stack.acquirer.setFaults({ latencyMs: 0 }));

const newKey = (): string => `holder-${randomUUID()}`;
const createBody = { amount: 100, currency: 'CNY' };

/** A process row beaten `ageMs` ago by the database's clock. */
async function nodeBeaten(ageMs: number): Promise<string> {
  const nodeId = `node_test_${randomUUID()}`;
  await sql`insert into api_nodes (node_id, host, pid, heartbeat_at)
            values (${nodeId}, 'test', 1, now() - make_interval(secs => ${ageMs / 1000}))`.execute(stack.db.db);
  return nodeId;
}

async function secretKeyId(merchantId: string): Promise<string> {
  const row = await stack.db.db
    .selectFrom('api_keys')
    .select('id')
    .where('merchant_id', '=', merchantId)
    .where('kind', '=', 'secret')
    .where('mode', '=', 'test')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A fresh merchant whose create-payment key is in progress, claimed just now by `lockedBy`. */
async function heldCreateKey(lockedBy: string | null): Promise<{ secretKey: string; merchantId: string; key: string }> {
  const merchant = await stack.newMerchant();
  const key = newKey();
  const now = new Date();
  await stack.db.db
    .insertInto('idempotency_keys')
    .values({
      merchant_id: merchant.merchant.merchantId,
      api_key_id: await secretKeyId(merchant.merchant.merchantId),
      key,
      request_method: 'POST',
      request_path: '/v1/payments',
      request_hash: requestHash('POST', '/v1/payments', createBody),
      status: 'in_progress',
      response_status: null,
      response_body: null,
      locked_at: now,
      locked_by: lockedBy,
      created_at: now,
    })
    .execute();
  return { secretKey: merchant.secretKey, merchantId: merchant.merchant.merchantId, key };
}

function postCreate(secretKey: string, key: string): Promise<ApiResponse> {
  return stack.api('POST', '/v1/payments', createBody, { key: secretKey, headers: { 'idempotency-key': key } });
}

async function countPayments(merchantId: string): Promise<number> {
  const row = await stack.db.db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

async function storedKey(key: string) {
  return stack.db.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
}

/** A claim of the same request under one key, as the process `nodeId` makes it now (the stale window far away). */
function claimAs(nodeId: string, key: string, apiKeyId = 'key_holders_test'): IdempotencyClaim {
  const now = new Date();
  return {
    apiKeyId,
    merchantId: 'mer_holders_test',
    key,
    method: 'POST',
    path: '/v1/test',
    requestHash: requestHash('POST', '/v1/test', {}),
    now,
    nodeId,
    staleBefore: new Date(now.getTime() - limits.idempotencyInProgressStaleMs),
    holderDeadAfterMs: limits.apiNodeDeadAfterMs,
  };
}

describe('taking over a key from a dead process', () => {
  it('takes over at once a key whose holder stopped beating, and runs the request once', async () => {
    const holder = await heldCreateKey(await nodeBeaten(limits.apiNodeDeadAfterMs + 5_000));
    const first = await postCreate(holder.secretKey, holder.key);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await postCreate(holder.secretKey, holder.key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await countPayments(holder.merchantId)).toBe(1);
  });

  it('takes over at once a key whose holder has no heartbeat row any more', async () => {
    const holder = await heldCreateKey(`node_gone_${randomUUID()}`);
    const first = await postCreate(holder.secretKey, holder.key);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(await countPayments(holder.merchantId)).toBe(1);
  });

  it('still refuses (409) a key whose holder beats, and one claimed before holders were recorded', async () => {
    for (const lockedBy of [await nodeBeaten(0), await nodeBeaten(limits.apiNodeDeadAfterMs - 5_000), null]) {
      const holder = await heldCreateKey(lockedBy);
      const answer = await postCreate(holder.secretKey, holder.key);
      expect(answer.status, String(lockedBy)).toBe(409);
      expect(answer.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
      expect(await countPayments(holder.merchantId)).toBe(0);
      expect((await storedKey(holder.key)).locked_by).toBe(lockedBy);
    }
  });

  it('lets exactly one of two retries sent together take over a dead holder\'s key', async () => {
    const [retrierA, retrierB] = [await nodeBeaten(0), await nodeBeaten(0)];
    for (let round = 0; round < 20; round++) {
      const key = newKey();
      const dead = await nodeBeaten(limits.apiNodeDeadAfterMs + 5_000);
      expect((await claimIdempotencyKey(stack.db.db, claimAs(dead, key))).kind).toBe('claimed');
      const results = await Promise.all([claimIdempotencyKey(stack.db.db, claimAs(retrierA, key)), claimIdempotencyKey(stack.db.db, claimAs(retrierB, key))]);
      expect(results.map((result) => result.kind).sort(), `round ${round}`).toEqual(['claimed', 'in_progress']);
      const winner = results[0]!.kind === 'claimed' ? retrierA : retrierB;
      expect((await storedKey(key)).locked_by).toBe(winner);
    }
  });

  it('lets exactly one of two HTTP retries sent together take over a dead holder\'s key: one payment', async () => {
    const holder = await heldCreateKey(await nodeBeaten(limits.apiNodeDeadAfterMs + 5_000));
    const answers = await Promise.all([postCreate(holder.secretKey, holder.key), postCreate(holder.secretKey, holder.key)]);
    // The other one is refused while the first runs, or replays its answer once it is done: never runs again.
    const ran = answers.filter((answer) => answer.status === 200 && answer.headers.get('idempotent-replayed') === null);
    expect(ran).toHaveLength(1);
    for (const answer of answers) if (answer !== ran[0]) expect([409, 200]).toContain(answer.status);
    expect(await countPayments(holder.merchantId)).toBe(1);
  });
});

describe('fencing a holder that was only stalled', () => {
  /** A key claimed by `stalled`, then taken over by `successor` once `stalled` stopped beating. */
  async function takenOver(): Promise<{ stalledClaim: IdempotencyClaim; successorClaim: IdempotencyClaim }> {
    const key = newKey();
    const stalled = await nodeBeaten(0);
    const stalledClaim = claimAs(stalled, key);
    expect((await claimIdempotencyKey(stack.db.db, stalledClaim)).kind).toBe('claimed');
    await sql`update api_nodes set heartbeat_at = now() - interval '1 minute' where node_id = ${stalled}`.execute(stack.db.db);
    const successorClaim = claimAs(await nodeBeaten(0), key);
    expect((await claimIdempotencyKey(stack.db.db, successorClaim)).kind).toBe('claimed');
    return { stalledClaim, successorClaim };
  }

  it('makes a takeover wait for a fenced effect write on its way, and then answer from its object: never a second run', async () => {
    const key = newKey();
    const holder = await nodeBeaten(0);
    const holderClaim = claimAs(holder, key);
    expect((await claimIdempotencyKey(stack.db.db, holderClaim)).kind).toBe('claimed');
    await sql`update api_nodes set heartbeat_at = now() - interval '1 minute' where node_id = ${holder}`.execute(stack.db.db);
    const successorClaim = claimAs(await nodeBeaten(0), key);
    let takeover: ReturnType<typeof claimIdempotencyKey> | null = null;
    await stack.db.db.transaction().execute(async (trx) => {
      // The holder's fenced write (its mark, in the transaction of its change) locks the key first.
      await runUnderIdempotencyKey(heldBy(holderClaim), () => markIdempotencyEffect(trx, 'refund', 're_fenced_first'));
      takeover = claimIdempotencyKey(stack.db.db, successorClaim);
      const early = await Promise.race([takeover.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]);
      expect(early).toBe('waiting');
    });
    expect(await takeover!).toEqual({ kind: 'recover', objectType: 'refund', objectId: 're_fenced_first' });
  });

  it("does not let a stalled holder's completion overwrite the answer of the request that took its key over", async () => {
    const { stalledClaim, successorClaim } = await takenOver();
    expect(await completeIdempotencyKey(stack.db.db, heldBy(successorClaim), { status: 200, body: '{"by":"successor"}' })).toBe(true);
    expect(await completeIdempotencyKey(stack.db.db, heldBy(stalledClaim), { status: 500, body: '{"by":"stalled"}' })).toBe(false);
    expect(await storedKey(stalledClaim.key)).toMatchObject({ status: 'complete', response_status: 200, response_body: '{"by":"successor"}' });
  });

  it("does not let a stalled holder complete, mark or release a key taken over and still running", async () => {
    const { stalledClaim, successorClaim } = await takenOver();
    // The mark fails (migration 0057's fence), so that a transaction making the change it marks is taken back.
    await expect(runUnderIdempotencyKey(heldBy(stalledClaim), () => markIdempotencyEffect(stack.db.db, 'payment', 'pay_stalled'))).rejects.toMatchObject({
      code: 'PPI01',
    });
    await releaseIdempotencyKey(stack.db.db, heldBy(stalledClaim));
    expect(await completeIdempotencyKey(stack.db.db, heldBy(stalledClaim), { status: 500, body: '{"by":"stalled"}' })).toBe(false);
    expect(await storedKey(stalledClaim.key)).toMatchObject({
      status: 'in_progress', response_body: null, effect_object_id: null, locked_by: successorClaim.nodeId,
    });
    // The request that holds it marks and completes it as usual.
    await runUnderIdempotencyKey(heldBy(successorClaim), () => markIdempotencyEffect(stack.db.db, 'payment', 'pay_successor'));
    expect(await completeIdempotencyKey(stack.db.db, heldBy(successorClaim), { status: 200, body: '{"by":"successor"}' })).toBe(true);
    expect(await storedKey(stalledClaim.key)).toMatchObject({ status: 'complete', effect_object_id: 'pay_successor', response_body: '{"by":"successor"}' });
  });

  it('fences keys completed together in one statement: a stalled holder\'s is refused, the others stored', async () => {
    const { stalledClaim, successorClaim } = await takenOver();
    expect(await completeIdempotencyKey(stack.db.db, heldBy(successorClaim), { status: 200, body: '{"by":"successor"}' })).toBe(true);
    const live = await nodeBeaten(0);
    const others = [claimAs(live, newKey()), claimAs(live, newKey())];
    for (const claim of others) expect((await claimIdempotencyKey(stack.db.db, claim)).kind).toBe('claimed');
    const completer = createKeyCompleter(stack.db.db, 64);
    // The first goes alone; the two sent while it is on its way go together, in one statement.
    const results = await Promise.all([
      completer.complete(heldBy(others[0]!), { status: 200, body: '{"n":0}' }),
      completer.complete(heldBy(stalledClaim), { status: 500, body: '{"by":"stalled"}' }),
      completer.complete(heldBy(others[1]!), { status: 200, body: '{"n":1}' }),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(await storedKey(stalledClaim.key)).toMatchObject({ status: 'complete', response_status: 200, response_body: '{"by":"successor"}' });
    expect(await storedKey(others[1]!.key)).toMatchObject({ status: 'complete', response_body: '{"n":1}' });
  });

  it('tells apart two claims of one key completed in the same group: only the holder\'s is stored', async () => {
    const { stalledClaim, successorClaim } = await takenOver();
    const live = await nodeBeaten(0);
    const other = claimAs(live, newKey());
    expect((await claimIdempotencyKey(stack.db.db, other)).kind).toBe('claimed');
    const completer = createKeyCompleter(stack.db.db, 64);
    const results = await Promise.all([
      completer.complete(heldBy(other), { status: 200, body: '{"n":0}' }),
      completer.complete(heldBy(stalledClaim), { status: 500, body: '{"by":"stalled"}' }),
      completer.complete(heldBy(successorClaim), { status: 200, body: '{"by":"successor"}' }),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(await storedKey(stalledClaim.key)).toMatchObject({ status: 'complete', response_body: '{"by":"successor"}' });
  });

  it('answers 409 to a request whose key was taken over while it ran, and keeps the answer of the one that took it', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 2500, currency: 'CNY' });
    expect(created.status).toBe(200);
    const key = newKey();
    const path = `/v1/payments/${created.body.id}/confirm`;
    const body = { payment_method: card('4242424242424242') };
    stack.acquirer.setFaults({ latencyMs: 1_500 });
    const running = stack.api('POST', path, body, { headers: { 'idempotency-key': key } });
    // While the acquirer answers slowly, this process is taken for dead and another takes the key over.
    let held = await stack.db.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
    for (let tries = 0; !held && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      held = await stack.db.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
    }
    expect(held).toMatchObject({ status: 'in_progress', effect_object_id: created.body.id });
    await sql`update api_nodes set heartbeat_at = now() - interval '1 minute' where node_id = ${held!.locked_by}`.execute(stack.db.db);
    const successor: IdempotencyClaim = { ...claimAs(await nodeBeaten(0), key, held!.api_key_id), merchantId: held!.merchant_id!, path, requestHash: held!.request_hash };
    const takeover = await claimIdempotencyKey(stack.db.db, successor);
    expect(takeover).toEqual({ kind: 'recover', objectType: 'payment', objectId: created.body.id });
    expect(await completeIdempotencyKey(stack.db.db, heldBy(successor), { status: 200, body: '{"by":"successor"}' })).toBe(true);
    const answer = await running;
    expect(answer.status, JSON.stringify(answer.body)).toBe(409);
    expect(answer.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(await storedKey(key)).toMatchObject({ status: 'complete', response_body: '{"by":"successor"}' });
    const retry = await stack.api('POST', path, body, { headers: { 'idempotency-key': key } });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual({ by: 'successor' });
    // This process is alive: its heartbeat back to now, as its next beat would make it, for the tests after.
    await sql`update api_nodes set heartbeat_at = now() where node_id = ${held!.locked_by}`.execute(stack.db.db);
  });
});

describe('fencing the effect write of a stalled holder', () => {
  /** A paid payment, refundable. */
  async function paidPayment(): Promise<string> {
    const created = await stack.api('POST', '/v1/payments', { amount: 3000, currency: 'CNY' });
    const confirmed = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') });
    expect(confirmed.status).toBe(200);
    return created.body.id as string;
  }

  /**
   * Sends `path` under a new key while the test holds the payment's row lock, so that the request claims its key
   * and then stalls before its first write; meanwhile its process is taken for dead and another (`successor`)
   * takes the key over. The lock released, the stalled request writes nothing and answers 409. Then the
   * successor dies too, and an HTTP retry takes the key over and does the work: the one effect there is.
   */
  async function stallTakeOverAndRetry(paymentId: string, path: string, body: Record<string, unknown>): Promise<{ stalled: ApiResponse; retry: ApiResponse }> {
    const key = newKey();
    const lock = await stack.db.pool.connect();
    try {
      await lock.query('begin');
      await lock.query('select 1 from payments where id = $1 for update', [paymentId]);
      const running = stack.api('POST', path, body, { headers: { 'idempotency-key': key } });
      let held = await stack.db.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
      for (let tries = 0; !held && tries < 200; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        held = await stack.db.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
      }
      expect(held).toMatchObject({ status: 'in_progress', effect_object_id: null });
      // Give the request time to reach the payment's lock, past its claim.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const successorNode = await nodeBeaten(0);
      const successor: IdempotencyClaim = { ...claimAs(successorNode, key, held!.api_key_id), merchantId: held!.merchant_id!, path, requestHash: held!.request_hash };
      await sql`update api_nodes set heartbeat_at = now() - interval '1 minute' where node_id = ${held!.locked_by}`.execute(stack.db.db);
      try {
        expect(await claimIdempotencyKey(stack.db.db, successor)).toEqual({ kind: 'claimed' });
      } finally {
        await sql`update api_nodes set heartbeat_at = now() where node_id = ${held!.locked_by}`.execute(stack.db.db);
      }
      await lock.query('commit');
      const stalled = await running;
      // The successor dies before its work: a retry takes the key over from it and runs the request.
      await sql`update api_nodes set heartbeat_at = now() - interval '1 minute' where node_id = ${successorNode}`.execute(stack.db.db);
      const retry = await stack.api('POST', path, body, { headers: { 'idempotency-key': key } });
      return { stalled, retry };
    } finally {
      await lock.query('rollback').catch(() => {});
      lock.release();
    }
  }

  it('writes no refund for a holder whose key was taken over while it stalled before its write: one refund, the retry\'s', async () => {
    const paymentId = await paidPayment();
    const { stalled, retry } = await stallTakeOverAndRetry(paymentId, '/v1/refunds', { payment: paymentId, amount: 1000 });
    expect(stalled.status, JSON.stringify(stalled.body)).toBe(409);
    expect(stalled.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    const refunds = await sql<{ count: number }>`select count(*)::int as count from refunds where payment_id = ${paymentId}`.execute(stack.db.db);
    expect(refunds.rows[0]!.count).toBe(1);
  });

  it('does not cancel a payment for a holder whose key was taken over while it stalled before its write: one cancellation, the retry\'s', async () => {
    const created = await stack.api('POST', '/v1/payments', { amount: 3000, currency: 'CNY' });
    const paymentId = created.body.id as string;
    const { stalled, retry } = await stallTakeOverAndRetry(paymentId, `/v1/payments/${paymentId}/cancel`, { cancellation_reason: 'requested_by_customer' });
    expect(stalled.status, JSON.stringify(stalled.body)).toBe(409);
    expect(stalled.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body).toMatchObject({ id: paymentId, status: 'canceled' });
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    const canceled = await sql<{ count: number }>`
      select count(*)::int as count from payment_events where payment_id = ${paymentId} and to_status = 'canceled'`.execute(stack.db.db);
    expect(canceled.rows[0]!.count).toBe(1);
  });
});

describe('API process heartbeat', () => {
  it('keeps a fresh row for the running process, named in the keys it claims', async () => {
    const key = newKey();
    const created = await stack.api('POST', '/v1/payments', createBody, { headers: { 'idempotency-key': key } });
    expect(created.status).toBe(200);
    const { locked_by: lockedBy } = await storedKey(key);
    expect(lockedBy).toMatch(/^node_/);
    const row = await sql<{ age_ms: number }>`
      select (extract(epoch from now() - heartbeat_at) * 1000)::int as age_ms from api_nodes where node_id = ${lockedBy}`.execute(stack.db.db);
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0]!.age_ms).toBeLessThan(limits.apiNodeDeadAfterMs);
  });

  it('keeps beating while the request pool is exhausted: the heartbeat has a connection of its own', async () => {
    // A process of its own, with a pool of two, both held longer than the (test's) dead-after bound.
    const handle = openDatabase(inject('databaseUrl'), { poolSize: 2 });
    const errors: unknown[] = [];
    const beatMs = 100;
    const deadAfterMs = 4 * beatMs;
    const heartbeat = createApiNodeHeartbeat(handle.db, (error) => errors.push(error), beatMs);
    const held: pg.PoolClient[] = [];
    try {
      await heartbeat.start();
      held.push(await handle.pool.connect(), await handle.pool.connect());
      // Every request of this process now waits for a connection.
      expect(handle.pool.totalCount).toBe(2);
      for (let checks = 0; checks < 6; checks++) {
        await new Promise((resolve) => setTimeout(resolve, deadAfterMs));
        const row = await sql<{ age_ms: number }>`
          select (extract(epoch from now() - heartbeat_at) * 1000)::int as age_ms from api_nodes where node_id = ${heartbeat.nodeId}`.execute(stack.db.db);
        expect(row.rows[0]?.age_ms).toBeLessThan(deadAfterMs);
      }
      expect(errors).toEqual([]);
    } finally {
      for (const client of held) client.release();
      await heartbeat.stop();
      await handle.close();
    }
    // Stopped: its row is gone, and its own connection closed.
    const gone = await sql`select 1 from api_nodes where node_id = ${heartbeat.nodeId}`.execute(stack.db.db);
    expect(gone.rows).toHaveLength(0);
  });
});
