/**
 * User-set outbound URLs (webhook endpoints, connector accounts' base_url)
 * never reach internal addresses: refused when saved with `url_not_public`,
 * in live mode always and in test mode unless the operator allows it; and
 * refused again on the address actually connected to, so a name that
 * resolves to a public address when saved and a private one later
 * (rebinding) never gets a request. The delivery log keeps only the status
 * and size of an answer from an address that is not public.
 *
 * One stack: its operator flag is a policy object the tests turn off and on
 * (as an operator would by restarting with PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST),
 * and its resolver answers from a table the tests write.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Resolver } from '../../src/connectors/http-exchange.ts';
import { deliverWebhook } from '../../src/flows/notifications/deliver-webhook.ts';
import { card, startStack, type Stack } from '../support/stack.ts';

const policy = { allowPrivateInTest: true };
const names = new Map<string, string[]>();
const resolve: Resolver = async (hostname) => {
  const addresses = names.get(hostname);
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let stack: Stack;
let receiver: Server;
let receiverPort: number;
let receiverHits = 0;
beforeAll(async () => {
  stack = await startStack({ outboundPolicy: policy, resolve });
  receiver = createServer((request, response) => {
    receiverHits += 1;
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' }).end('kube-apiserver secret');
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverPort = (receiver.address() as AddressInfo).port;
});
afterEach(() => {
  policy.allowPrivateInTest = true;
  names.clear();
});
afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise<void>((done) => (receiver ? receiver.close(() => done()) : done()));
  await stack?.close();
});

/** Each class of address that is not public, as a merchant might write it. */
const forbidden: [string, string][] = [
  ['loopback', '127.0.0.1'],
  ['loopback IPv6', '[::1]'],
  ['loopback by name', 'localhost'],
  ['RFC 1918 10/8', '10.0.0.1:6443'],
  ['RFC 1918 172.16/12', '172.16.5.4'],
  ['RFC 1918 192.168/16', '192.168.1.10'],
  ['unique local fc00::/7', '[fd12:3456::1]'],
  ['link-local 169.254/16', '169.254.10.10'],
  ['link-local fe80::/10', '[fe80::1]'],
  ['cloud metadata', '169.254.169.254'],
  ['cloud metadata IPv6', '[fd00:ec2::254]'],
  ['multicast', '224.0.0.1'],
  ['unspecified', '0.0.0.0'],
  ['unspecified IPv6', '[::]'],
  ['CGNAT 100.64/10', '100.64.0.1'],
  ['IPv4-mapped metadata', '[::ffff:169.254.169.254]'],
  ['IPv4-mapped private', '[::ffff:10.0.0.1]'],
  ['decimal loopback', '2130706433'],
  ['a name resolving to a private address', 'intranet.example'],
];

function useNames(): void {
  names.set('intranet.example', ['10.1.2.3']);
  names.set('shop.example', ['93.184.215.14']);
}

async function saveEndpoint(key: string, url: string) {
  return stack.api('POST', '/v1/webhook_endpoints', { url, enabled_events: ['*'] }, { key });
}

async function saveAccount(key: string, baseUrl: string) {
  return stack.api('POST', '/v1/connector_accounts', { connector: 'card', credentials: { api_key: 'sk_sim_card_test' }, base_url: baseUrl }, { key });
}

function expectRefused(response: { status: number; body: any }, param: string, label: string): void {
  expect(response.status, `${label}: ${JSON.stringify(response.body)}`).toBe(400);
  expect(response.body.error, label).toMatchObject({ code: 'url_not_public', type: 'invalid_request_error', param });
}

describe('when a URL is saved', () => {
  it.each(forbidden)('refuses %s (%s) in live mode, for a webhook endpoint and a connector base_url, even with the test-mode flag on', async (label, host) => {
    useNames();
    const live = stack.merchant.keys.secret_live;
    expectRefused(await saveEndpoint(live, `https://${host}/hooks`), 'url', label);
    expectRefused(await saveAccount(live, `https://${host}`), 'base_url', label);
  });

  it.each(forbidden)('refuses %s (%s) in test mode without the operator flag, and accepts it with the flag', async (label, host) => {
    useNames();
    const merchant = await stack.newMerchant();
    policy.allowPrivateInTest = false;
    expectRefused(await saveEndpoint(merchant.secretKey, `http://${host}/hooks`), 'url', label);
    expectRefused(await saveAccount(merchant.secretKey, `http://${host}`), 'base_url', label);
    expectRefused(await stack.api('POST', `/v1/connector_accounts/${merchant.cardAccountId}`, { base_url: `http://${host}` }, { key: merchant.secretKey }), 'base_url', label);
    policy.allowPrivateInTest = true;
    expect((await saveEndpoint(merchant.secretKey, `http://${host}/hooks`)).status).toBe(200);
    expect((await saveAccount(merchant.secretKey, `http://${host}`)).status).toBe(200);
  });

  it('accepts public addresses and names in live mode, and a name it cannot resolve now (judged on each connection)', async () => {
    useNames();
    const live = stack.merchant.keys.secret_live;
    expect((await saveEndpoint(live, 'https://93.184.215.14/hooks')).status).toBe(200);
    expect((await saveEndpoint(live, 'https://shop.example/hooks')).status).toBe(200);
    expect((await saveEndpoint(live, 'https://not-yet.example/hooks')).status).toBe(200);
    expect((await saveAccount(live, 'https://shop.example')).status).toBe(200);
  });

  it('explains the refusal in the merchant\'s language', async () => {
    const zh = await stack.api('POST', '/v1/webhook_endpoints', { url: 'https://169.254.169.254/latest', enabled_events: ['*'] }, {
      key: stack.merchant.keys.secret_live, headers: { 'accept-language': 'zh-CN' },
    });
    expect(zh.body.error.message).toBe('url 中的网址指向 169.254.169.254，这不是公网地址。');
    const tw = await stack.api('POST', '/v1/webhook_endpoints', { url: 'https://169.254.169.254/latest', enabled_events: ['*'] }, {
      key: stack.merchant.keys.secret_live, headers: { 'accept-language': 'zh-TW' },
    });
    expect(tw.body.error.message).toContain('這不是公用網際網路位址');
  });
});

/** The one delivery of the endpoint's payment.created, tried once now. */
async function deliverOnce(endpointId: string) {
  const row = await sql<{ id: string; merchant_id: string }>`select id, merchant_id from webhook_deliveries where endpoint_id = ${endpointId}`.execute(stack.db.db);
  expect(row.rows).toHaveLength(1);
  return deliverWebhook(stack.context, { id: row.rows[0]!.id, merchantId: row.rows[0]!.merchant_id });
}

async function deliveryLog(endpointId: string, key: string) {
  return (await stack.api('GET', `/v1/webhook_endpoints/${endpointId}/deliveries`, undefined, { key })).body.data[0];
}

describe('when connecting', () => {
  it('refuses a name that resolved to a public address when saved and resolves to a private one now (rebinding), without connecting', async () => {
    const merchant = await stack.newMerchant();
    const live = merchant.merchant.keys.secret_live;
    names.set('rebind.example', ['93.184.215.14']);
    const endpoint = await saveEndpoint(live, `https://rebind.example:${receiverPort}/hooks`);
    expect(endpoint.status).toBe(200);
    names.set('rebind.example', ['127.0.0.1']);
    const hitsBefore = receiverHits;
    // A live payment needs a live account to offer a method; creating one calls no provider.
    names.set('acquirer.example', ['93.184.215.14']);
    expect((await saveAccount(live, 'https://acquirer.example')).status).toBe(200);
    expect((await stack.api('POST', '/v1/payments', { amount: 1234, currency: 'CNY' }, { key: live })).status).toBe(200);
    expect(await deliverOnce(endpoint.body.id)).toBe('retrying');
    expect(receiverHits).toBe(hitsBefore);
    const log = await deliveryLog(endpoint.body.id, live);
    expect(log.tries).toMatchObject([{ response_status: null, response_body: null, response_bytes: null }]);
    expect(log.tries[0].error).toContain('rebind.example resolves to 127.0.0.1, which is a loopback address, not a public one');
  });

  it('refuses a connector base_url that rebinds, and counts the call as never sent: failed, not unknown, so routing may move on', async () => {
    const live = (await stack.newMerchant()).merchant.keys.secret_live;
    names.set('acquirer.rebind.example', ['93.184.215.14']);
    const account = await saveAccount(live, `http://acquirer.rebind.example:${stack.acquirer.url.split(':').pop()}`);
    expect(account.status).toBe(200);
    names.set('acquirer.rebind.example', ['127.0.0.1']);
    const payment = await stack.api('POST', '/v1/payments', { amount: 1234, currency: 'CNY' }, { key: live });
    const confirmed = await stack.api('POST', `/v1/payments/${payment.body.id}/confirm`, { payment_method: card('4242424242424242') }, { key: live });
    expect(confirmed.body.error).toMatchObject({ code: 'connector_unavailable' });
    const attempts = await sql<{ status: string }>`select status from payment_attempts where payment_id = ${payment.body.id}`.execute(stack.db.db);
    expect(attempts.rows.length).toBeGreaterThan(0);
    expect(attempts.rows.every((attempt) => attempt.status === 'failed')).toBe(true);
    expect((await stack.api('GET', `/v1/payments/${payment.body.id}`, undefined, { key: live })).body.status).toBe('requires_payment_method');
  });
});

describe('the delivery log', () => {
  it('keeps only the status and size of an answer from a private address, never its body (test mode, flag on)', async () => {
    const merchant = await stack.newMerchant();
    const endpoint = await saveEndpoint(merchant.secretKey, `http://127.0.0.1:${receiverPort}/_control/faults`);
    expect(endpoint.status).toBe(200);
    await stack.api('POST', '/v1/payments', { amount: 1234, currency: 'CNY' }, { key: merchant.secretKey });
    expect(await deliverOnce(endpoint.body.id)).toBe('succeeded');
    const log = await deliveryLog(endpoint.body.id, merchant.secretKey);
    expect(log.tries).toMatchObject([{ response_status: 200, response_body: null, response_bytes: 'kube-apiserver secret'.length, error: null }]);
    const stored = await sql<{ body: string | null }>`select response_body as body from webhook_delivery_attempts where endpoint_id = ${endpoint.body.id}`.execute(stack.db.db);
    expect(stored.rows).toEqual([{ body: null }]);
  });
});
