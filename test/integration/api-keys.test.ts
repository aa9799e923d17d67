/**
 * API keys managed over HTTP: create (the secret shown once), list (never the
 * secret), roll with an overlap on an injected clock, revoke at once, and the
 * refusals that keep a merchant from locking itself out by accident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, startStack, type Stack } from '../support/stack.ts';

const clock = new ManualClock(Date.UTC(2026, 10, 2));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ clock });
});
afterAll(async () => stack?.close());

async function freshMerchant() {
  return stack.newMerchant({ name: 'Key Shop' });
}

describe('POST /v1/api_keys', () => {
  it('creates a secret key for the caller’s merchant and mode; the secret works at once and is shown only here', async () => {
    const m = await freshMerchant();
    const created = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: m.secretKey });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ object: 'api_key', kind: 'secret', mode: 'test', status: 'active', expires_at: null, revoked_at: null });
    expect(created.body.secret).toMatch(/^sk_test_[A-Za-z0-9_-]{32}$/);
    expect(created.body.hint).toBe(`${created.body.secret.slice(0, 8)}…${created.body.secret.slice(-4)}`);
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: created.body.secret })).status).toBe(200);

    const listed = await stack.api('GET', '/v1/api_keys', undefined, { key: m.secretKey });
    expect(listed.status).toBe(200);
    const row = listed.body.data.find((k: any) => k.id === created.body.id);
    expect(row).toMatchObject({ kind: 'secret', mode: 'test', hint: created.body.hint, status: 'active' });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect(listed.body.data.every((k: any) => k.secret === undefined && k.mode === 'test')).toBe(true);
  });

  it('creates a publishable key, which cannot manage keys itself', async () => {
    const m = await freshMerchant();
    const created = await stack.api('POST', '/v1/api_keys', { kind: 'publishable' }, { key: m.secretKey });
    expect(created.status).toBe(200);
    expect(created.body.secret).toMatch(/^pk_test_/);
    const refused = await stack.api('GET', '/v1/api_keys', undefined, { key: created.body.secret });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('permission_denied');
  });

  it('a replay with the same Idempotency-Key answers the same key without its secret, which is never stored', async () => {
    const m = await freshMerchant();
    const headers = { 'idempotency-key': 'new-key-1' };
    const first = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: m.secretKey, headers });
    const replay = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: m.secretKey, headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.body.secret).toBeNull();
    const stored = await stack.db.db.selectFrom('idempotency_keys').select('response_body').where('key', '=', 'new-key-1').execute();
    expect(JSON.stringify(stored)).not.toContain(first.body.secret);
  });

  it('refuses an unknown kind with parameter_invalid', async () => {
    const m = await freshMerchant();
    const refused = await stack.api('POST', '/v1/api_keys', { kind: 'admin' }, { key: m.secretKey });
    expect(refused.status).toBe(400);
    expect(refused.body.error.type).toBe('invalid_request_error');
  });
});

describe('POST /v1/api_keys/:id/roll', () => {
  it('gives a new secret; the old key keeps working until the overlap ends on the clock, then answers 401', async () => {
    const m = await freshMerchant();
    const old = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: m.secretKey });
    const rolled = await stack.api('POST', `/v1/api_keys/${old.body.id}/roll`, { expires_in_seconds: 3600 }, { key: m.secretKey });
    expect(rolled.status).toBe(200);
    expect(rolled.body.secret).toMatch(/^sk_test_/);
    expect(rolled.body.secret).not.toBe(old.body.secret);
    expect(rolled.body.id).not.toBe(old.body.id);

    const listed = await stack.api('GET', '/v1/api_keys', undefined, { key: m.secretKey });
    const oldRow = listed.body.data.find((k: any) => k.id === old.body.id);
    expect(oldRow).toMatchObject({ status: 'expiring', replaced_by: rolled.body.id, expires_at: new Date(clock.nowMs() + 3600_000).toISOString() });

    // Both work during the overlap (and the old one is now warm in the cache).
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: old.body.secret })).status).toBe(200);
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: rolled.body.secret })).status).toBe(200);
    clock.advanceMs(3600_000 - 1);
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: old.body.secret })).status).toBe(200);
    clock.advanceMs(1);
    const expired = await stack.api('GET', '/v1/payments?limit=1', undefined, { key: old.body.secret });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('api_key_invalid');
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: rolled.body.secret })).status).toBe(200);
  });

  it('with no overlap (the default) the old key stops at once, even the key that made the call', async () => {
    const m = await freshMerchant();
    const own = await stack.api('GET', '/v1/api_keys', undefined, { key: m.secretKey });
    const ownId = own.body.data.find((k: any) => k.kind === 'secret' && k.mode === 'test').id;
    const rolled = await stack.api('POST', `/v1/api_keys/${ownId}/roll`, {}, { key: m.secretKey });
    expect(rolled.status).toBe(200);
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: m.secretKey })).status).toBe(401);
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: rolled.body.secret })).status).toBe(200);
  });

  it('refuses an overlap longer than 7 days, and a second roll of a key already rolled', async () => {
    const m = await freshMerchant();
    const old = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: m.secretKey });
    const tooLong = await stack.api('POST', `/v1/api_keys/${old.body.id}/roll`, { expires_in_seconds: 7 * 86400 + 1 }, { key: m.secretKey });
    expect(tooLong.status).toBe(400);
    expect((await stack.api('POST', `/v1/api_keys/${old.body.id}/roll`, { expires_in_seconds: 60 }, { key: m.secretKey })).status).toBe(200);
    const again = await stack.api('POST', `/v1/api_keys/${old.body.id}/roll`, { expires_in_seconds: 60 }, { key: m.secretKey });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('api_key_inactive');
  });

  it('answers resource_missing for another merchant’s key, and changes nothing', async () => {
    const m = await freshMerchant();
    const other = await freshMerchant();
    const theirs = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: other.secretKey });
    const refused = await stack.api('POST', `/v1/api_keys/${theirs.body.id}/roll`, {}, { key: m.secretKey });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('resource_missing');
    expect((await stack.api('POST', `/v1/api_keys/${theirs.body.id}/revoke`, {}, { key: m.secretKey })).status).toBe(404);
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: theirs.body.secret })).status).toBe(200);
  });
});

describe('POST /v1/api_keys/:id/revoke', () => {
  it('revokes at once: the key warm in the cache is refused on the very next request', async () => {
    const m = await freshMerchant();
    const extra = await stack.api('POST', '/v1/api_keys', { kind: 'secret' }, { key: m.secretKey });
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: extra.body.secret })).status).toBe(200);
    const revoked = await stack.api('POST', `/v1/api_keys/${extra.body.id}/revoke`, {}, { key: m.secretKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: extra.body.id, status: 'revoked', revoked_at: new Date(clock.nowMs()).toISOString() });
    expect(revoked.body.secret).toBeUndefined();
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: extra.body.secret })).status).toBe(401);
    // Revoking again changes nothing and says so.
    const again = await stack.api('POST', `/v1/api_keys/${extra.body.id}/revoke`, {}, { key: m.secretKey });
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
  });

  it('refuses to revoke the last lasting secret key of a mode unless the request says it means it', async () => {
    const m = await freshMerchant();
    const keys = await stack.api('GET', '/v1/api_keys', undefined, { key: m.secretKey });
    const onlySecret = keys.body.data.find((k: any) => k.kind === 'secret').id;
    const refused = await stack.api('POST', `/v1/api_keys/${onlySecret}/revoke`, {}, { key: m.secretKey });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('api_key_last_secret');
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: m.secretKey })).status).toBe(200);

    // A key that only lasts for a roll's overlap does not count as one that keeps working.
    const rolled = await stack.api('POST', `/v1/api_keys/${onlySecret}/roll`, { expires_in_seconds: 600 }, { key: m.secretKey });
    const refusedNew = await stack.api('POST', `/v1/api_keys/${rolled.body.id}/revoke`, {}, { key: m.secretKey });
    expect(refusedNew.status).toBe(409);

    // Revoking the very key that makes the call, when confirmed: the answer is the last this key gets.
    const confirmed = await stack.api('POST', `/v1/api_keys/${rolled.body.id}/revoke`, { confirm_no_secret_key_left: true }, { key: rolled.body.secret });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('revoked');
    expect((await stack.api('GET', '/v1/payments?limit=1', undefined, { key: rolled.body.secret })).status).toBe(401);
  });

  it('a publishable key revoked is no longer handed out by the hosted checkout', async () => {
    const m = await freshMerchant();
    const keys = await stack.api('GET', '/v1/api_keys', undefined, { key: m.secretKey });
    const publishable = keys.body.data.find((k: any) => k.kind === 'publishable');
    expect((await stack.api('POST', `/v1/api_keys/${publishable.id}/revoke`, {}, { key: m.secretKey })).status).toBe(200);
    const payment = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' }, { key: m.secretKey });
    const page = await stack.api('GET', `/checkout/${payment.body.id}`, undefined, { key: null });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(m.publishableKey);
  });
});
