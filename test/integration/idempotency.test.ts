/**
 * Idempotency-Key by Stripe's rules (API.md), over HTTP against real
 * PostgreSQL and the simulated acquirer: replays, reuse with another request,
 * what is not stored, the scope of a key, concurrency (one charge, never two),
 * and retention.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../src/domain/limits.ts';
import { requestHash } from '../../src/http/plugins/idempotency.ts';
import { deleteExpiredIdempotencyKeys } from '../../src/store/idempotency.ts';
import { card, startStack, type ApiResponse, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());
afterEach(() => {
  // A test that slowed the acquirer must not slow the next one, even when it failed.
  stack.acquirer.setFaults({ latencyMs: 0 });
});

const hourMs = 60 * 60 * 1000;
const newKey = (): string => `idem-${randomUUID()}`;

function post(path: string, body: unknown, idempotencyKey: string | null, options: { key?: string } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = idempotencyKey === null ? {} : { 'idempotency-key': idempotencyKey };
  return stack.api('POST', path, body, { key: options.key, headers });
}

function replayed(response: ApiResponse): boolean {
  return response.headers.get('idempotent-replayed') === 'true';
}

function expectErrorCode(response: ApiResponse, status: number, type: string, code: string): void {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body.error).toMatchObject({ type, code });
}

async function countPayments(merchantId: string): Promise<number> {
  const row = await stack.db.db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

async function storedKeys(key: string) {
  return stack.db.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).execute();
}

async function newPayment(body: Record<string, unknown> = {}): Promise<{ id: string; client_secret: string }> {
  const created = await post('/v1/payments', { amount: 2500, currency: 'CNY', ...body }, null);
  expect(created.status).toBe(200);
  return created.body;
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

describe('replays', () => {
  it('answers the same key and body with the same status and body, marked Idempotent-Replayed, creating one payment', async () => {
    const merchant = await stack.newMerchant();
    const key = newKey();
    const body = { amount: 1234, currency: 'CNY', description: 'tea', metadata: { order: '42' } };
    const first = await post('/v1/payments', body, key, { key: merchant.secretKey });
    const second = await post('/v1/payments', body, key, { key: merchant.secretKey });
    const third = await post('/v1/payments', body, key, { key: merchant.secretKey });
    expect(first.status).toBe(200);
    expect(replayed(first)).toBe(false);
    for (const again of [second, third]) {
      expect(again.status).toBe(first.status);
      expect(again.body).toEqual(first.body);
      expect(replayed(again)).toBe(true);
      expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expect(await countPayments(merchant.merchant.merchantId)).toBe(1);
    const list = await stack.api('GET', '/v1/payments', undefined, { key: merchant.secretKey });
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([first.body.id]);
  });

  it('replays the stored answer without re-executing, even after the payment moved on', async () => {
    const key = newKey();
    const body = { amount: 700, currency: 'CNY' };
    const created = await post('/v1/payments', body, key);
    const confirmed = await post(`/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, null);
    expect(confirmed.body.status).toBe('succeeded');
    const again = await post('/v1/payments', body, key);
    expect(replayed(again)).toBe(true);
    expect(again.body).toEqual(created.body);
    expect(again.body.status).toBe('requires_payment_method');
  });

  it('hashes parameters, not JSON text: key order and whitespace do not matter', async () => {
    const merchant = await stack.newMerchant();
    const key = newKey();
    const first = await post('/v1/payments', '{"amount":500,"currency":"CNY","metadata":{"a":"1","b":"2"},"order":{"reference":"R-9","items":[{"name":"tea","quantity":2,"unit_amount":250}]}}', key, { key: merchant.secretKey });
    const reordered = await post(
      '/v1/payments',
      '{ "order": {"items": [{"unit_amount": 250, "quantity": 2, "name": "tea"}], "reference": "R-9"},\n  "metadata": {"b": "2", "a": "1"}, "currency": "CNY", "amount": 500 }',
      key,
      { key: merchant.secretKey },
    );
    expect(first.status).toBe(200);
    expect(replayed(reordered)).toBe(true);
    expect(reordered.body).toEqual(first.body);
    expect(await countPayments(merchant.merchant.merchantId)).toBe(1);
  });

  it('gives the same request hash for reordered keys, and different ones for another value, array order or path', () => {
    const hash = (path: string, body: unknown) => requestHash('POST', path, body).toString('hex');
    expect(hash('/v1/payments', { a: 1, b: { c: 2, d: 3 } })).toBe(hash('/v1/payments', { b: { d: 3, c: 2 }, a: 1 }));
    expect(hash('/v1/payments', { a: 1 })).not.toBe(hash('/v1/payments', { a: '1' }));
    expect(hash('/v1/payments', { a: [1, 2] })).not.toBe(hash('/v1/payments', { a: [2, 1] }));
    expect(hash('/v1/payments', { a: 1 })).not.toBe(hash('/v1/refunds', { a: 1 }));
    expect(hash('/v1/payments', { a: null })).not.toBe(hash('/v1/payments', {}));
    expect(requestHash('POST', '/v1/payments', {}).equals(requestHash('GET', '/v1/payments', {}))).toBe(false);
  });

  it('replays a declined confirm as the same 402, and the acquirer is asked once', async () => {
    const payment = await newPayment();
    const key = newKey();
    const before = stack.acquirer.stats();
    const body = { payment_method: card('4000000000000002') };
    const first = await post(`/v1/payments/${payment.id}/confirm`, body, key);
    const second = await post(`/v1/payments/${payment.id}/confirm`, body, key);
    expectErrorCode(first, 402, 'card_error', 'card_declined');
    expect(second.status).toBe(402);
    expect(second.body).toEqual(first.body);
    expect(replayed(second)).toBe(true);
    const after = stack.acquirer.stats();
    expect(after.authorizations_created - before.authorizations_created).toBe(1);
    expect(after.requests - before.requests).toBe(1);
    // The replay did not lock the payer out: another attempt under a new key goes through.
    const retry = await post(`/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') }, newKey());
    expect(retry.body.status).toBe('succeeded');
  });

  it('replays a successful confirm without charging again', async () => {
    const payment = await newPayment();
    const key = newKey();
    const before = stack.acquirer.stats();
    const body = { payment_method: card('4242424242424242') };
    const first = await post(`/v1/payments/${payment.id}/confirm`, body, key);
    const second = await post(`/v1/payments/${payment.id}/confirm`, body, key);
    expect(first.body.status).toBe('succeeded');
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(replayed(second)).toBe(true);
    expect(stack.acquirer.stats().charges_succeeded - before.charges_succeeded).toBe(1);
  });
});

describe('reuse with another request', () => {
  it('refuses the same key with different parameters (400 idempotency_key_reused) and creates nothing more', async () => {
    const merchant = await stack.newMerchant();
    const key = newKey();
    const first = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key, { key: merchant.secretKey });
    expect(first.status).toBe(200);
    for (const changed of [{ amount: 101, currency: 'CNY' }, { amount: 100, currency: 'USD' }, { amount: 100, currency: 'CNY', description: 'x' }]) {
      const reused = await post('/v1/payments', changed, key, { key: merchant.secretKey });
      expectErrorCode(reused, 400, 'idempotency_error', 'idempotency_key_reused');
      expect(replayed(reused)).toBe(false);
    }
    expect(await countPayments(merchant.merchant.merchantId)).toBe(1);
    // The original answer is still there for a true retry.
    const retry = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key, { key: merchant.secretKey });
    expect(replayed(retry)).toBe(true);
    expect(retry.body.id).toBe(first.body.id);
  });

  it('refuses the same key on a different path (idempotency_key_reused) without executing it', async () => {
    const key = newKey();
    const created = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key);
    const cancel = await post(`/v1/payments/${created.body.id}/cancel`, {}, key);
    expectErrorCode(cancel, 400, 'idempotency_error', 'idempotency_key_reused');
    const current = await stack.api('GET', `/v1/payments/${created.body.id}`);
    expect(current.body.status).toBe('requires_payment_method');
  });

  it('refuses the same confirm key on another payment', async () => {
    const [a, b] = [await newPayment(), await newPayment()];
    const key = newKey();
    const body = { payment_method: card('4242424242424242') };
    expect((await post(`/v1/payments/${a.id}/confirm`, body, key)).status).toBe(200);
    expectErrorCode(await post(`/v1/payments/${b.id}/confirm`, body, key), 400, 'idempotency_error', 'idempotency_key_reused');
    expect((await stack.api('GET', `/v1/payments/${b.id}`)).body.status).toBe('requires_payment_method');
  });
});

describe('what is not stored', () => {
  it('does not store a request refused by schema validation: the corrected request with the same key succeeds', async () => {
    const merchant = await stack.newMerchant();
    const key = newKey();
    const refused = await post('/v1/payments', { amount: '100', currency: 'CNY' }, key, { key: merchant.secretKey });
    expectErrorCode(refused, 400, 'invalid_request_error', 'amount_invalid');
    expect(await storedKeys(key)).toEqual([]);
    const corrected = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key, { key: merchant.secretKey });
    expect(corrected.status).toBe(200);
    expect(replayed(corrected)).toBe(false);
    expect(await countPayments(merchant.merchant.merchantId)).toBe(1);
  });

  it("does not store a request refused by the flow's own parameter checks (currency XXX)", async () => {
    const key = newKey();
    expectErrorCode(await post('/v1/payments', { amount: 100, currency: 'XXX' }, key), 400, 'invalid_request_error', 'currency_invalid');
    expect(await storedKeys(key)).toEqual([]);
    const corrected = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key);
    expect(corrected.status).toBe(200);
    expect(replayed(corrected)).toBe(false);
  });

  it('does not store malformed JSON or a wrong content type', async () => {
    const key = newKey();
    expectErrorCode(await post('/v1/payments', '{"amount":', key), 400, 'invalid_request_error', 'json_invalid');
    const form = await stack.api('POST', '/v1/payments', 'amount=100', { headers: { 'idempotency-key': key, 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    expect(await storedKeys(key)).toEqual([]);
    expect((await post('/v1/payments', { amount: 100, currency: 'CNY' }, key)).status).toBe(200);
  });

  it('does not store a request refused by authentication (401) or permission (403)', async () => {
    const key = newKey();
    expectErrorCode(await post('/v1/payments', { amount: 100, currency: 'CNY' }, key, { key: `sk_test_${'Q'.repeat(32)}` }), 401, 'authentication_error', 'api_key_invalid');
    expectErrorCode(await post('/v1/payments', { amount: 100, currency: 'CNY' }, key, { key: stack.publishableKey }), 403, 'permission_error', 'permission_denied');
    expect(await storedKeys(key)).toEqual([]);
    const accepted = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key);
    expect(accepted.status).toBe(200);
    expect(replayed(accepted)).toBe(false);
  });

  it('does not store a payer confirm refused for a missing client_secret; the corrected one succeeds under the same key', async () => {
    const payment = await newPayment();
    const key = newKey();
    const pk = { key: stack.publishableKey };
    const refused = await post(`/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242') }, key, pk);
    expectErrorCode(refused, 400, 'invalid_request_error', 'parameter_missing');
    const corrected = await post(`/v1/payments/${payment.id}/confirm`, { payment_method: card('4242424242424242'), client_secret: payment.client_secret }, key, pk);
    expect(corrected.status).toBe(200);
    expect(corrected.body.status).toBe('succeeded');
  });
});

describe('the scope and shape of a key', () => {
  it('keeps keys per API key: the same key under another merchant is independent', async () => {
    const [a, b] = [await stack.newMerchant(), await stack.newMerchant()];
    const key = newKey();
    const first = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key, { key: a.secretKey });
    const sameBody = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key, { key: b.secretKey });
    const otherBody = await post('/v1/payments', { amount: 999, currency: 'CNY' }, newKey(), { key: b.secretKey });
    expect(first.status).toBe(200);
    expect(sameBody.status).toBe(200);
    expect(replayed(sameBody)).toBe(false);
    expect(sameBody.body.id).not.toBe(first.body.id);
    expect(otherBody.status).toBe(200);
    const differentUnderA = await post('/v1/payments', { amount: 5, currency: 'CNY' }, key, { key: a.secretKey });
    expectErrorCode(differentUnderA, 400, 'idempotency_error', 'idempotency_key_reused');
    expect(await countPayments(a.merchant.merchantId)).toBe(1);
    expect(await countPayments(b.merchant.merchantId)).toBe(2);
  });

  it('refuses an empty key and one of 256 characters with 400 parameter_invalid, creating nothing', async () => {
    const merchant = await stack.newMerchant();
    for (const key of ['', 'k'.repeat(256), 'k'.repeat(10_000)]) {
      const response = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key, { key: merchant.secretKey });
      expectErrorCode(response, 400, 'invalid_request_error', 'parameter_invalid');
      // Header names are case-insensitive; either spelling names the header.
      expect(String(response.body.error.param).toLowerCase()).toBe('idempotency-key');
    }
    expect(await countPayments(merchant.merchant.merchantId)).toBe(0);
  });

  it('accepts a key of exactly 255 characters, and replays it', async () => {
    const key = `${randomUUID()}${'k'.repeat(255)}`.slice(0, limits.idempotencyKeyLengthMax);
    expect(key).toHaveLength(255);
    const first = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key);
    const second = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key);
    expect(first.status).toBe(200);
    expect(replayed(second)).toBe(true);
    expect(second.body.id).toBe(first.body.id);
  });

  it('accepts a single-character key', async () => {
    const merchant = await stack.newMerchant();
    const first = await post('/v1/payments', { amount: 100, currency: 'CNY' }, 'k', { key: merchant.secretKey });
    expect(first.status).toBe(200);
    expect(replayed(await post('/v1/payments', { amount: 100, currency: 'CNY' }, 'k', { key: merchant.secretKey }))).toBe(true);
  });
});

describe('concurrency', () => {
  it('charges once when two identical confirms with one key arrive together: one 200, the other 409 idempotency_key_in_use', async () => {
    const payment = await newPayment();
    const key = newKey();
    const body = { payment_method: card('4242424242424242') };
    const before = stack.acquirer.stats();
    stack.acquirer.setFaults({ latencyMs: 300 });
    const answers = await Promise.all([post(`/v1/payments/${payment.id}/confirm`, body, key), post(`/v1/payments/${payment.id}/confirm`, body, key)]);
    stack.acquirer.setFaults({ latencyMs: 0 });
    const ok = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.status === 409);
    expect(ok).toHaveLength(1);
    expect(busy).toHaveLength(1);
    expect(busy[0]!.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(ok[0]!.body.status).toBe('succeeded');
    const after = stack.acquirer.stats();
    expect(after.authorizations_created - before.authorizations_created).toBe(1);
    expect(after.charges_succeeded - before.charges_succeeded).toBe(1);
    // Once the first is done, the same key replays its answer.
    const later = await post(`/v1/payments/${payment.id}/confirm`, body, key);
    expect(replayed(later)).toBe(true);
    expect(later.body).toEqual(ok[0]!.body);
  });

  it('charges once when two identical confirms without a key arrive together: the other answers 409 payment_unexpected_state', async () => {
    const payment = await newPayment();
    const body = { payment_method: card('4242424242424242') };
    const before = stack.acquirer.stats();
    stack.acquirer.setFaults({ latencyMs: 300 });
    const answers = await Promise.all([post(`/v1/payments/${payment.id}/confirm`, body, null), post(`/v1/payments/${payment.id}/confirm`, body, null)]);
    stack.acquirer.setFaults({ latencyMs: 0 });
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409]);
    const conflict = answers.find((a) => a.status === 409)!;
    expect(conflict.body.error).toMatchObject({ type: 'invalid_request_error', code: 'payment_unexpected_state', payment: payment.id });
    const after = stack.acquirer.stats();
    expect(after.authorizations_created - before.authorizations_created).toBe(1);
    const current = await stack.api('GET', `/v1/payments/${payment.id}`);
    expect(current.body).toMatchObject({ status: 'succeeded', amount_received: 2500 });
    const attempts = await stack.api('GET', `/v1/payments/${payment.id}/attempts`);
    expect(attempts.body.data).toHaveLength(1);
  });

  it('creates exactly one payment from 20 concurrent creates with the same key', async () => {
    const merchant = await stack.newMerchant();
    const key = newKey();
    const body = { amount: 4321, currency: 'CNY' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('/v1/payments', body, key, { key: merchant.secretKey })));
    const ok = answers.filter((a) => a.status === 200);
    const others = answers.filter((a) => a.status !== 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((a) => a.body.id)).size).toBe(1);
    for (const other of others) expectErrorCode(other, 409, 'idempotency_error', 'idempotency_key_in_use');
    expect(answers.filter((a) => a.status === 200 && !replayed(a))).toHaveLength(1);
    expect(await countPayments(merchant.merchant.merchantId)).toBe(1);
  });

  it('refuses with 409 while a key is held by a request still running (fresh in_progress row)', async () => {
    const merchant = await stack.newMerchant();
    const key = newKey();
    const body = { amount: 100, currency: 'CNY' };
    const now = new Date();
    await stack.db.db
      .insertInto('idempotency_keys')
      .values({
        merchant_id: merchant.merchant.merchantId,
        api_key_id: await secretKeyId(merchant.merchant.merchantId),
        key,
        request_method: 'POST',
        request_path: '/v1/payments',
        request_hash: requestHash('POST', '/v1/payments', body),
        status: 'in_progress',
        response_status: null,
        response_body: null,
        locked_at: now,
        created_at: now,
      })
      .execute();
    expectErrorCode(await post('/v1/payments', body, key, { key: merchant.secretKey }), 409, 'idempotency_error', 'idempotency_key_in_use');
    expect(await countPayments(merchant.merchant.merchantId)).toBe(0);
  });

  it('takes over a key whose request died (in_progress for more than 5 minutes) and runs the request once', async () => {
    const merchant = await stack.newMerchant();
    const key = newKey();
    const body = { amount: 100, currency: 'CNY' };
    const lockedAt = new Date(Date.now() - limits.idempotencyInProgressStaleMs - 60_000);
    await stack.db.db
      .insertInto('idempotency_keys')
      .values({
        merchant_id: merchant.merchant.merchantId,
        api_key_id: await secretKeyId(merchant.merchant.merchantId),
        key,
        request_method: 'POST',
        request_path: '/v1/payments',
        request_hash: requestHash('POST', '/v1/payments', body),
        status: 'in_progress',
        response_status: null,
        response_body: null,
        locked_at: lockedAt,
        created_at: lockedAt,
      })
      .execute();
    const first = await post('/v1/payments', body, key, { key: merchant.secretKey });
    expect(first.status).toBe(200);
    expect(replayed(first)).toBe(false);
    const second = await post('/v1/payments', body, key, { key: merchant.secretKey });
    expect(replayed(second)).toBe(true);
    expect(await countPayments(merchant.merchant.merchantId)).toBe(1);
    // A different request may not take a stale key over.
    const other = await post('/v1/payments', { amount: 5, currency: 'CNY' }, key, { key: merchant.secretKey });
    expectErrorCode(other, 400, 'idempotency_error', 'idempotency_key_reused');
  });
});

describe('retention', () => {
  async function backdate(key: string, ageMs: number): Promise<void> {
    const at = new Date(Date.now() - ageMs);
    const result = await stack.db.db.updateTable('idempotency_keys').set({ created_at: at, locked_at: at }).where('key', '=', key).executeTakeFirst();
    expect(Number(result.numUpdatedRows)).toBe(1);
  }
  const purge = () => deleteExpiredIdempotencyKeys(stack.db.db, new Date(Date.now() - limits.idempotencyKeyRetentionMs), 10_000);

  it('keeps a key younger than 24 hours (23 h) through a purge: it still replays', async () => {
    const key = newKey();
    const body = { amount: 100, currency: 'CNY' };
    const first = await post('/v1/payments', body, key);
    await backdate(key, 23 * hourMs);
    await purge();
    expect(await storedKeys(key)).toHaveLength(1);
    const again = await post('/v1/payments', body, key);
    expect(replayed(again)).toBe(true);
    expect(again.body.id).toBe(first.body.id);
  });

  it('purges a key older than 24 hours (25 h): the key is free for a new request', async () => {
    const merchant = await stack.newMerchant();
    const key = newKey();
    const first = await post('/v1/payments', { amount: 100, currency: 'CNY' }, key, { key: merchant.secretKey });
    await backdate(key, 25 * hourMs);
    expect(await purge()).toBeGreaterThanOrEqual(1);
    expect(await storedKeys(key)).toEqual([]);
    const reused = await post('/v1/payments', { amount: 200, currency: 'CNY' }, key, { key: merchant.secretKey });
    expect(reused.status).toBe(200);
    expect(replayed(reused)).toBe(false);
    expect(reused.body.id).not.toBe(first.body.id);
  });

  it('deletes at most `limit` expired keys per call, and the rest on later calls', async () => {
    const apiKeyId = `key_retention_${randomUUID()}`;
    const old = new Date(Date.now() - 30 * hourMs);
    const young = new Date(Date.now() - hourMs);
    const row = (key: string, at: Date) => ({
      api_key_id: apiKeyId,
      merchant_id: 'mer_retention_test',
      key,
      request_method: 'POST',
      request_path: '/v1/payments',
      request_hash: Buffer.alloc(32),
      status: 'complete' as const,
      response_status: 200,
      response_body: '{}',
      locked_at: at,
      created_at: at,
    });
    await stack.db.db
      .insertInto('idempotency_keys')
      .values([...Array.from({ length: 5 }, (_, i) => row(`old-${i}`, old)), row('young', young)])
      .execute();
    const mine = async () =>
      (await stack.db.db.selectFrom('idempotency_keys').select('key').where('api_key_id', '=', apiKeyId).execute()).map((r) => r.key).sort();
    const cutoff = new Date(Date.now() - limits.idempotencyKeyRetentionMs);
    expect(await deleteExpiredIdempotencyKeys(stack.db.db, cutoff, 2)).toBe(2);
    expect((await mine()).length).toBeGreaterThanOrEqual(4);
    for (let round = 0; round < 100 && (await deleteExpiredIdempotencyKeys(stack.db.db, cutoff, 2)) > 0; round += 1);
    expect(await mine()).toEqual(['young']);
  });
});
