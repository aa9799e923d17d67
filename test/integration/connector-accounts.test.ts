/** A merchant's provider accounts: credentials sealed at rest and never returned; updates; notify URLs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

describe('connector accounts', () => {
  it('stores credentials encrypted and never returns them', async () => {
    const created = await stack.api('POST', '/v1/connector_accounts', { connector: 'card', credentials: { api_key: 'sk_sim_card_test' }, priority: 70 });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ object: 'connector_account', connector: 'card', enabled: true, priority: 70 });
    expect(created.body.notify_url).toMatch(new RegExp(`/v1/notify/${created.body.id}$`));
    expect(JSON.stringify(created.body)).not.toContain('sk_sim_card_test');
    const row = await stack.db.db.selectFrom('connector_accounts').select('credentials_encrypted').where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(row.credentials_encrypted.toString('latin1')).not.toContain('sk_sim_card_test');
    const list = await stack.api('GET', '/v1/connector_accounts');
    expect(JSON.stringify(list.body)).not.toContain('sk_sim_card_test');
    expect(list.body.data.map((a: { id: string }) => a.id)).toContain(created.body.id);
  });

  it('refuses missing and unknown credentials', async () => {
    const missing = await stack.api('POST', '/v1/connector_accounts', { connector: 'card', credentials: {} });
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'credentials.api_key' });
    const unknown = await stack.api('POST', '/v1/connector_accounts', { connector: 'card', credentials: { api_key: 'k', pin: '1' } });
    expect(unknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'credentials.pin' });
    const alipay = await stack.api('POST', '/v1/connector_accounts', { connector: 'alipay', credentials: { app_id: 'x' }, base_url: 'http://127.0.0.1:9' });
    expect(alipay.body.error).toMatchObject({ code: 'parameter_missing', param: 'credentials.private_key' });
  });

  it('updates enabled, priority and credentials; a disabled account takes no payments', async () => {
    const { secretKey, cardAccountId } = await stack.newMerchant();
    const disabled = await stack.api('POST', `/v1/connector_accounts/${cardAccountId}`, { enabled: false, priority: 10 }, { key: secretKey });
    expect(disabled.body).toMatchObject({ enabled: false, priority: 10 });
    const refused = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' }, { key: secretKey });
    expect(refused.body.error.code).toBe('payment_method_unavailable');
    await stack.api('POST', `/v1/connector_accounts/${cardAccountId}`, { enabled: true, credentials: { api_key: 'sk_wrong' } }, { key: secretKey });
    const created = await stack.api('POST', '/v1/payments', { amount: 100, currency: 'CNY' }, { key: secretKey });
    const wrongKey = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: secretKey });
    expect(wrongKey.status).toBe(503);
    expect(wrongKey.body.error.code).toBe('connector_unavailable');
    await stack.api('POST', `/v1/connector_accounts/${cardAccountId}`, { credentials: { api_key: 'sk_sim_card_test' } }, { key: secretKey });
    const paid = await stack.api('POST', `/v1/payments/${created.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: secretKey });
    expect(paid.body.status).toBe('succeeded');
  });

  it("does not let one merchant update another's account", async () => {
    const other = await stack.newMerchant();
    const attempt = await stack.api('POST', `/v1/connector_accounts/${stack.cardAccountId}`, { enabled: false }, { key: other.secretKey });
    expect(attempt.status).toBe(404);
    expect(attempt.body.error).toMatchObject({ code: 'resource_missing' });
  });
});
