/**
 * Every channel meets the same misbehaving provider through the one shared
 * exchange: an answer larger than the limit, a body that stalls, and a
 * connection refused. The first two may come after the provider acted, so
 * they are `unknown`; the refused connection provably never reached it, so
 * it is `retriable` and failover may move on, on every channel alike.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../domain/limits.ts';
import { createAlipayConnector } from './alipay/alipay-connector.ts';
import { createCardConnector } from './card/card-connector.ts';
import type { ConnectorAccount, ConnectorName } from './connector.ts';
import { createHttpExchange } from './http-exchange.ts';
import { createUnionpayConnector } from './unionpay/unionpay-connector.ts';
import { createWechatPayConnector } from './wechat-pay/wechat-pay-connector.ts';

type Behaviour = 'huge' | 'slow';

/** A provider that answers 200 and then too much, or too slowly. */
async function startMisbehavingServer(): Promise<{ url: (behaviour: Behaviour) => string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((request, response) => {
    hits += 1;
    request.resume();
    if (request.url?.startsWith('/huge')) {
      // Chunked, with no Content-Length: the limit must hold while reading, not only on a declared size.
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let written = 0;
      const pump = () => {
        while (written < limits.providerResponseBytesMax * 2) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
      return;
    }
    // Headers and the start of a body, then nothing.
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"status":');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (behaviour) => `${base}/${behaviour}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A port that refuses connections: listened on once, then closed. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const credentials: Record<ConnectorName, Record<string, string>> = {
  card: { api_key: 'sk_sim_card_test' },
  alipay: { app_id: '2021000000000001', private_key: privateKey, alipay_public_key: publicKey, seller_id: '2088000000000001' },
  wechat_pay: {
    mchid: '1900000001', appid: 'wx0000000000000001', serial_no: 'SERIAL1', private_key: privateKey,
    apiv3_key: 'k'.repeat(32), platform_public_key: publicKey, platform_serial: 'PLATFORM1',
  },
  unionpay: { mer_id: '777290058110048', cert_id: '69629715588', private_key: privateKey, unionpay_public_key: publicKey },
};

// The misbehaving server listens on 127.0.0.1: test-mode accounts, with the operator's flag that allows it.
const exchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
const timeoutMs = 300;
const connectors = {
  card: createCardConnector({ exchange, timeoutMs }),
  alipay: createAlipayConnector({ exchange, timeoutMs }),
  wechat_pay: createWechatPayConnector({ exchange, timeoutMs }),
  unionpay: createUnionpayConnector({ exchange, timeoutMs }),
};
const order = { orderNumber: 'PP20261206000001', orderCreatedAt: new Date() };

/** One call per channel that goes to the provider. */
const callOf: Record<ConnectorName, (account: ConnectorAccount) => Promise<{ kind: string }>> = {
  card: (account) =>
    connectors.card.authorize(account, {
      idempotencyKey: 'attempt_1', amount: 1234n, currency: 'CNY', capture: true, description: null,
      card: { number: '4242424242424242', exp_month: 12, exp_year: 2031, cvc: '123' },
    }),
  alipay: (account) => connectors.alipay.queryOrder(account, order),
  wechat_pay: (account) => connectors.wechat_pay.queryOrder(account, order),
  unionpay: (account) => connectors.unionpay.queryOrder(account, order),
};

let provider: Awaited<ReturnType<typeof startMisbehavingServer>>;
beforeAll(async () => {
  provider = await startMisbehavingServer();
});
afterAll(async () => {
  await provider?.close();
  await exchange.close();
});

const accountAt = (connector: ConnectorName, baseUrl: string): ConnectorAccount => ({
  id: `ca_${connector}`, connector, mode: 'test', baseUrl, credentials: credentials[connector],
});

describe.each(Object.keys(callOf) as ConnectorName[])('the %s connector through the shared exchange', (connector) => {
  it('takes an answer larger than the limit as unknown (never read whole, never believed)', async () => {
    const outcome = await callOf[connector](accountAt(connector, provider.url('huge')));
    expect(outcome).toMatchObject({ kind: 'unknown', detail: expect.stringContaining(`larger than ${limits.providerResponseBytesMax} bytes`) });
  });

  it('takes a body that stalls past the timeout as unknown', async () => {
    const started = Date.now();
    const outcome = await callOf[connector](accountAt(connector, provider.url('slow')));
    expect(outcome).toEqual({ kind: 'unknown', detail: `no answer within ${timeoutMs} ms` });
    expect(Date.now() - started).toBeLessThan(timeoutMs * 20);
  });

  it('takes a refused connection as retriable: it never reached the provider, so failover may move on', async () => {
    const outcome = await callOf[connector](accountAt(connector, await refusedUrl()));
    expect(outcome).toMatchObject({ kind: 'retriable', code: 'connector_unavailable', detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('takes an address the policy refuses as retriable, without connecting (live mode, 127.0.0.1)', async () => {
    const hitsBefore = provider.hits();
    const outcome = await callOf[connector]({ ...accountAt(connector, provider.url('slow')), mode: 'live' });
    expect(outcome).toMatchObject({ kind: 'retriable', code: 'connector_unavailable', detail: expect.stringContaining('loopback address, not a public one') });
    expect(provider.hits()).toBe(hitsBefore);
  });
});
