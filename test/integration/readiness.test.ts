/**
 * `/ready` as a load balancer reads it: not ready on a database whose
 * migrations are not all applied (a new version started before its
 * migrations ran), ready once they are; and not ready while the process shuts
 * down, though the requests already in flight are finished.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { createFlowContext, prepareDatabase } from '../../src/runtime.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.ts';
import { testMasterKey } from '../support/stack.ts';

let scratch: ScratchDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  scratch = await createScratchDatabase('paypilot_ready');
  handle = openDatabase(scratch.url, { poolSize: 4 });
});
afterAll(async () => {
  await handle?.close();
  await scratch?.drop();
});

describe('readiness', () => {
  it('is not ready before the migrations are applied, and ready once they are', async () => {
    const context = createFlowContext({ db: handle.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0' });
    const app = await buildApp({ context, logLevel: 'silent' });
    try {
      const before = await app.inject({ method: 'GET', url: '/ready' });
      expect(before.statusCode).toBe(503);
      expect(before.json()).toMatchObject({ status: 'not_ready', database: true, migrations: false });
      // Alive all the same: a load balancer must not restart a process waiting for its migrations.
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      await prepareDatabase(handle);
      const after = await app.inject({ method: 'GET', url: '/ready' });
      expect(after.statusCode).toBe(200);
      expect(after.json()).toMatchObject({ status: 'ready', database: true, migrations: true });
    } finally {
      await app.close();
    }
  });

  it('answers 503 to a request that arrives while it shuts down, and finishes the request already in flight', async () => {
    const context = createFlowContext({ db: handle.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0' });
    const app = await buildApp({ context, logLevel: 'silent' });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    app.get('/test/slow', async () => {
      await held;
      return { finished: true };
    });
    const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
    // One connection, as a load balancer keeps: the slow request in flight, then /ready sent behind it once shutdown has begun.
    const socket = net.connect(Number(url.port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /test/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write('GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await closing;
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    socket.destroy();
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]));
    expect(statuses, received).toEqual([200, 503]);
    expect(received).toContain('{"finished":true}');
  });
});
