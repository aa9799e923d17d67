/**
 * `/ready` beyond the database answering: the migrations must be exactly
 * those this version knows (one pending, or one from a newer version, is not
 * ready), and a worker must have beaten its heartbeat recently. And shutdown
 * is bounded: a request in flight may finish within the grace period, one
 * that does not is cut off when it ends.
 *
 * A database of its own: the test removes and adds migration rows.
 */
import net from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { closeWithin } from '../../src/http/plugins/readiness.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { createFlowContext, prepareDatabase } from '../../src/runtime.ts';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.ts';
import { migrationNames } from '../../src/store/migrate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.ts';
import { testMasterKey } from '../support/stack.ts';

let scratch: ScratchDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  scratch = await createScratchDatabase('paypilot_ready_worker');
  handle = openDatabase(scratch.url, { poolSize: 6 });
  await prepareDatabase(handle);
}, 120_000);
afterAll(async () => {
  await handle?.close();
  await scratch?.drop();
});

const context = () => createFlowContext({ db: handle.db, masterKey: testMasterKey, publicBaseUrl: 'http://127.0.0.1:0' });

describe('readiness and migrations', () => {
  it('is not ready while one migration is pending (the newest unapplied), and names it', async () => {
    const app = await buildApp({ context: context(), logLevel: 'silent' });
    const newest = migrationNames[migrationNames.length - 1]!;
    const row = await sql<{ timestamp: string }>`select timestamp from kysely_migration where name = ${newest}`.execute(handle.db);
    try {
      expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
      await sql`delete from kysely_migration where name = ${newest}`.execute(handle.db);
      const pending = await app.inject({ method: 'GET', url: '/ready' });
      expect(pending.statusCode).toBe(503);
      expect(pending.json()).toMatchObject({ status: 'not_ready', database: true, migrations: false, pending_migrations: [newest], unknown_migrations: [] });
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${newest}, ${row.rows[0]!.timestamp})`.execute(handle.db);
      await app.close();
    }
    expect((await buildApp({ context: context(), logLevel: 'silent' }).then(async (again) => {
      try { return (await again.inject({ method: 'GET', url: '/ready' })).statusCode; } finally { await again.close(); }
    }))).toBe(200);
  });

  it('is not ready on a database a newer version migrated, unless told newer additive migrations are fine', async () => {
    const strict = await buildApp({ context: context(), logLevel: 'silent' });
    const lenient = await buildApp({ context: context(), logLevel: 'silent', readiness: { allowNewerMigrations: true } });
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_a_newer_version', now()::text)`.execute(handle.db);
    try {
      const answer = await strict.inject({ method: 'GET', url: '/ready' });
      expect(answer.statusCode).toBe(503);
      expect(answer.json()).toMatchObject({ migrations: false, pending_migrations: [], unknown_migrations: ['9999_from_a_newer_version'] });
      expect((await lenient.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    } finally {
      await sql`delete from kysely_migration where name = '9999_from_a_newer_version'`.execute(handle.db);
      await strict.close();
      await lenient.close();
    }
  });
});

describe('readiness and the worker heartbeat', () => {
  it('is not ready without any worker heartbeat, ready once a worker runs, and not ready again once its heartbeat is old', async () => {
    const flowContext = context();
    const app = await buildApp({ context: flowContext, logLevel: 'silent', readiness: { workerHeartbeatMaxAgeMs: 30_000 } });
    try {
      const none = await app.inject({ method: 'GET', url: '/ready' });
      expect(none.statusCode).toBe(503);
      expect(none.json()).toMatchObject({ database: true, migrations: true, worker: false, worker_heartbeat_age_ms: null });

      const runner = await startWorker(flowContext, handle.pool, { concurrency: 1, logLevel: 'silent', shutdownGraceMs: 1_000 });
      try {
        const beating = await app.inject({ method: 'GET', url: '/ready' });
        expect(beating.statusCode).toBe(200);
        expect(beating.json()).toMatchObject({ status: 'ready', worker: true });
      } finally {
        await runner.stop();
      }
      // The worker has stopped; its row says when it last beat. Aged past the window (as a crashed worker's would be):
      await sql`update worker_heartbeats set beat_at = now() - interval '5 minutes'`.execute(handle.db);
      const stale = await app.inject({ method: 'GET', url: '/ready' });
      expect(stale.statusCode).toBe(503);
      expect(stale.json().worker).toBe(false);
      expect(stale.json().worker_heartbeat_age_ms).toBeGreaterThanOrEqual(5 * 60 * 1000 - 1_000);
    } finally {
      await app.close();
    }
  });

  it('a worker beats again while it runs: its row moves forward, by the database clock', async () => {
    const flowContext = context();
    await sql`delete from worker_heartbeats`.execute(handle.db);
    const runner = await startWorker(flowContext, handle.pool, { concurrency: 1, logLevel: 'silent', shutdownGraceMs: 1_000 });
    try {
      const first = await sql<{ beat_at: Date }>`select beat_at from worker_heartbeats`.execute(handle.db);
      expect(first.rows).toHaveLength(1);
      await sql`update worker_heartbeats set beat_at = now() - interval '1 hour'`.execute(handle.db);
      const deadline = Date.now() + 30_000;
      let ageMs = Number.POSITIVE_INFINITY;
      while (ageMs > 60_000 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const row = await sql<{ age_ms: number }>`select extract(epoch from now() - beat_at) * 1000 as age_ms from worker_heartbeats`.execute(handle.db);
        ageMs = Number(row.rows[0]!.age_ms);
      }
      expect(ageMs).toBeLessThan(60_000);
    } finally {
      await runner.stop();
    }
  }, 60_000);
});

describe('bounded graceful shutdown', () => {
  async function appWithHeldRoute() {
    const app = await buildApp({ context: context(), logLevel: 'silent' });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    app.get('/test/held', async () => {
      await held;
      return { finished: true };
    });
    const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
    const socket = net.connect(Number(url.port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /test/held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { app, release, closed, received: () => received, socket };
  }

  it('a request in flight that finishes within the grace is answered, and the close reports it finished', async () => {
    const held = await appWithHeldRoute();
    const closing = closeWithin(held.app, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    held.release();
    expect(await closing).toBe(true);
    await Promise.race([held.closed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    held.socket.destroy();
    expect(held.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(held.received()).toContain('{"finished":true}');
  });

  it('a request still in flight when the grace ends has its connection closed, and the close ends all the same', async () => {
    const held = await appWithHeldRoute();
    const startedMs = Date.now();
    const finished = await closeWithin(held.app, 500);
    const tookMs = Date.now() - startedMs;
    expect(finished).toBe(false);
    await held.closed; // cut off: the socket closes without an answer
    expect(held.received()).toBe('');
    // Bounded: well under the request timeout (30 s) that would otherwise end it.
    expect(tookMs).toBeLessThan(15_000);
    held.release();
  });
});
