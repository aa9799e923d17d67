/**
 * The shared exchange on its own: the address policy judged on the address
 * about to be connected to (IP literals included, which no lookup sees), a
 * name whose answer changes (DNS rebinding), which failures count as never
 * sent, and the webhook's way of reading only the start of an answer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpExchange, type ExchangeRequest, type Resolver } from './http-exchange.ts';

let server: Server;
let port: number;
let hits = 0;
beforeAll(async () => {
  server = createServer((request, response) => {
    hits += 1;
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' }).end('internal answer: '.padEnd(3000, 'x'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const call = (url: string, overrides: Partial<ExchangeRequest> = {}): ExchangeRequest => ({
  mode: 'test', url, method: 'POST', headers: {}, body: '{}', timeoutMs: 2_000,
  responseBytesMax: 1024 * 1024, overLimit: 'fail', peer: 'the peer', ...overrides,
});

/** A resolver that answers what the test says, and counts the questions. */
function scriptedResolver(answers: string[][]): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolver = async (hostname: string) => {
    asked.push(hostname);
    const next = answers[Math.min(asked.length - 1, answers.length - 1)] ?? [];
    return next.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolver, { asked });
}

describe('the address policy at connection time', () => {
  it('refuses IP literals that are not public in live mode, in every spelling, without connecting', async () => {
    const exchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
    const before = hits;
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '2130706433', '0x7f.0.0.1', 'localhost']) {
      const result = await exchange.send(call(`http://${host}:${port}/`, { mode: 'live' }));
      expect(result, host).toMatchObject({ kind: 'not_sent', refusedByPolicy: true });
    }
    expect(hits).toBe(before);
    await exchange.close();
  });

  it('refuses them in test mode too unless the operator allows it', async () => {
    const strict = createHttpExchange();
    const before = hits;
    expect(await strict.send(call(`http://127.0.0.1:${port}/`))).toMatchObject({ kind: 'not_sent', refusedByPolicy: true, detail: expect.stringContaining('loopback') });
    expect(hits).toBe(before);
    const permissive = createHttpExchange({ policy: { allowPrivateInTest: true } });
    expect(await permissive.send(call(`http://127.0.0.1:${port}/`))).toMatchObject({ kind: 'answered', status: 200 });
    expect(hits).toBe(before + 1);
    await Promise.all([strict.close(), permissive.close()]);
  });

  it('judges the address a name resolves to when connecting: a name that turned private since (rebinding) is refused', async () => {
    // Public when the URL was saved (the flows ask the same resolver), then the loopback.
    const resolve = scriptedResolver([['93.184.215.14'], ['127.0.0.1']]);
    const exchange = createHttpExchange({ resolve });
    expect(await exchange.resolve('rebind.example')).toEqual([{ address: '93.184.215.14', family: 4 }]);
    const before = hits;
    const result = await exchange.send(call(`http://rebind.example:${port}/hooks`, { mode: 'live' }));
    expect(result).toMatchObject({ kind: 'not_sent', refusedByPolicy: true, detail: expect.stringContaining('rebind.example resolves to 127.0.0.1') });
    expect(resolve.asked).toEqual(['rebind.example', 'rebind.example']);
    expect(hits).toBe(before);
    await exchange.close();
  });

  it('refuses a name when any one of its addresses is not public, and connects to the address it judged', async () => {
    const mixed = createHttpExchange({ resolve: scriptedResolver([['93.184.215.14', '169.254.169.254']]) });
    expect(await mixed.send(call(`http://mixed.example:${port}/`, { mode: 'live' }))).toMatchObject({ kind: 'not_sent', detail: expect.stringContaining('metadata') });
    const local = createHttpExchange({ policy: { allowPrivateInTest: true }, resolve: scriptedResolver([['127.0.0.1']]) });
    expect(await local.send(call(`http://simulator.test:${port}/`))).toMatchObject({ kind: 'answered', status: 200 });
    await Promise.all([mixed.close(), local.close()]);
  });

  it('counts a name that does not resolve as never sent', async () => {
    const exchange = createHttpExchange({
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' });
      },
    });
    expect(await exchange.send(call('https://nowhere.example/'))).toMatchObject({ kind: 'not_sent', refusedByPolicy: false, detail: expect.stringContaining('ENOTFOUND') });
    await exchange.close();
  });
});

describe('reading only the start of an answer (webhooks)', () => {
  it('keeps the first bytes, and says whether they came from a public address', async () => {
    const exchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
    const result = await exchange.send(call(`http://127.0.0.1:${port}/`, { responseBytesMax: 1024, overLimit: 'keep_first_bytes', reportAddress: true }));
    expect(result).toMatchObject({ kind: 'answered', status: 200, complete: false, fromPublicAddress: false });
    expect(result.kind === 'answered' && result.body.length).toBe(1024);
    const counted = createHttpExchange({ policy: { allowPrivateInTest: true, treatedAsPublic: ['127.0.0.1'] } });
    expect(await counted.send(call(`http://127.0.0.1:${port}/`, { responseBytesMax: 1024, overLimit: 'keep_first_bytes', reportAddress: true }))).toMatchObject({
      kind: 'answered', fromPublicAddress: true,
    });
    await Promise.all([exchange.close(), counted.close()]);
  });

  it('refuses a declared size over the limit before reading it, for providers', async () => {
    const exchange = createHttpExchange({ policy: { allowPrivateInTest: true } });
    expect(await exchange.send(call(`http://127.0.0.1:${port}/`, { responseBytesMax: 100 }))).toMatchObject({ kind: 'too_large', status: 200 });
    await exchange.close();
  });
});
