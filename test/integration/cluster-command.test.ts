/**
 * `paypilot cluster --api 2 --workers 1`: the processes start on one
 * PostgreSQL (a database of this test's own), the proxy in front answers
 * /ready from the nodes in turn, a node killed is started again, and SIGTERM
 * stops every node and the command itself.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRun } from '../chaos/processes.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database.ts';

let scratch: ScratchDatabase;
let databaseUrl: string;
let dataDir: string;

beforeAll(async () => {
  scratch = await createScratchDatabase('paypilot_cluster');
  databaseUrl = scratch.url;
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-cluster-'));
});
afterAll(async () => {
  await scratch?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The pids of the workers that have beaten a heartbeat on this test's database. */
async function heartbeatPids(): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ pid: number }>('select pid from worker_heartbeats')).rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

describe('paypilot cluster', () => {
  it('starts the nodes behind the proxy, serves through it, restarts a killed node, and stops everything on SIGTERM', async () => {
    const port = await freePortRun(3);
    const child = spawn(process.execPath, ['src/cli.ts', 'cluster', '--api', '2', '--workers', '1'], {
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), PAYPILOT_DATA_DIR: dataDir, PAYPILOT_MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 150_000;
      while (!output.includes('cluster ready at') && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(output).toContain(`cluster ready at http://127.0.0.1:${port}`);

      // Through the proxy: ready (the database, its migrations and the worker's heartbeat); each API node answers on its own port.
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', worker: true });
      for (const node of [port + 1, port + 2]) expect((await fetch(`http://127.0.0.1:${node}/health`)).status).toBe(200);

      // The worker killed: the cluster starts another (a new heartbeat row, another pid).
      const [workerPid] = await heartbeatPids();
      expect(workerPid).toBeGreaterThan(0);
      process.kill(workerPid!, 'SIGKILL');
      const restartDeadline = Date.now() + 90_000;
      let pids: number[] = [];
      while (Date.now() < restartDeadline) {
        pids = await heartbeatPids();
        if (pids.some((pid) => pid !== workerPid)) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(pids.some((pid) => pid !== workerPid), output.slice(-2000)).toBe(true);
      expect(output).toContain('[worker-1] exited (SIGKILL)');

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Every node has stopped: nothing answers on the proxy's or the nodes' ports.
      for (const each of [port, port + 1, port + 2]) {
        expect(await fetch(`http://127.0.0.1:${each}/health`).then(() => 'answered', () => 'refused')).toBe('refused');
      }
      for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 300_000);
});
