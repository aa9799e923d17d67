import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startRoundRobinProxy, type RoundRobinProxy } from './proxy.ts';

/** A stand-in API node: answers its name, and /ready with `ready()`. */
async function node(name: string, ready: () => boolean): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((request, response) => {
    if (request.url === '/ready') return void response.writeHead(ready() ? 200 : 503).end();
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, body, forwarded: request.headers['x-forwarded-for'] ?? null })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the round-robin proxy', () => {
  it('sends requests to the ready nodes in turn, bodies and the client address passed on, and skips one that is not ready', async () => {
    let secondReady = true;
    const nodes = [await node('a', () => true), await node('b', () => secondReady), await node('c', () => true)];
    for (const each of nodes) closers.push(() => new Promise((resolve) => each.server.close(resolve)));
    const proxy: RoundRobinProxy = await startRoundRobinProxy({ upstreams: nodes.map((each) => each.url), host: '127.0.0.1', port: 0, checkIntervalMs: 50 });
    closers.push(() => proxy.close());
    await until(() => proxy.ready().length === 3);
    const names: string[] = [];
    for (let n = 0; n < 6; n += 1) {
      const answer = (await (await fetch(`${proxy.url}/v1/x`, { method: 'POST', body: `n=${n}` })).json()) as { name: string; body: string; forwarded: string };
      expect(answer.body).toBe(`n=${n}`);
      expect(answer.forwarded).toBe('127.0.0.1');
      names.push(answer.name);
    }
    expect([...names].sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);

    secondReady = false;
    await until(() => proxy.ready().length === 2);
    const after = await Promise.all(Array.from({ length: 6 }, async () => ((await (await fetch(`${proxy.url}/v1/x`)).json()) as { name: string }).name));
    expect(after).not.toContain('b');
  });

  it('answers 502 for a node that has gone, and marks it not ready at once', async () => {
    const alive = await node('alive', () => true);
    const gone = await node('gone', () => true);
    closers.push(() => new Promise((resolve) => alive.server.close(resolve)));
    const proxy = await startRoundRobinProxy({ upstreams: [alive.url, gone.url], host: '127.0.0.1', port: 0, checkIntervalMs: 60_000 });
    closers.push(() => proxy.close());
    await until(() => proxy.ready().length === 2);
    gone.server.closeAllConnections();
    await new Promise((resolve) => gone.server.close(resolve));
    const statuses = [];
    for (let n = 0; n < 4; n += 1) statuses.push((await fetch(`${proxy.url}/v1/x`)).status);
    // At most one request reached the dead node before it was marked; every later one went to the live node.
    expect(statuses.filter((status) => status === 502).length).toBeLessThanOrEqual(1);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3);
    expect(proxy.ready()).toEqual([alive.url]);
    expect(proxy.figures().badGateway).toBe(statuses.filter((status) => status === 502).length);
  });
});
