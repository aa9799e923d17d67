/**
 * The master key in production: `serve` and `worker` refuse to start without
 * PAYPILOT_MASTER_KEY when NODE_ENV=production or with `--production`, saying
 * how to make one and creating nothing; outside production they keep a
 * development key in the data directory and say so in one warning line.
 * The real command in a child process, on Node 24 from node_modules/.bin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/store/embedded-postgres.ts';

const node = path.resolve('node_modules/.bin/node');
const children: ChildProcess[] = [];
const dataDirs: string[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-key-'));
  dataDirs.push(dir);
  return dir;
}

/** The environment of a host: the test database, a data directory, and only the NODE_ENV and key given. */
function hostEnv(dataDir: string, env: Record<string, string>): NodeJS.ProcessEnv {
  const { PAYPILOT_MASTER_KEY: _key, NODE_ENV: _nodeEnv, ...rest } = process.env;
  return { ...rest, DATABASE_URL: inject('databaseUrl'), PAYPILOT_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env };
}

interface Run {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

function run(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(node, ['src/cli.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

async function untilOutput(running: Run, text: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!`${running.output().stdout}${running.output().stderr}`.includes(text)) {
    if (running.child.exitCode !== null || Date.now() > deadline) throw new Error(`never said "${text}":\n${JSON.stringify(running.output())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(running: Run): Promise<number | null> {
  running.child.kill('SIGTERM');
  return running.exited;
}

const recipe = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

describe('the master key', () => {
  it('serve with NODE_ENV=production and no PAYPILOT_MASTER_KEY exits non-zero, says how to make one, and creates no key', async () => {
    const dataDir = await newDataDir();
    const serve = run(['serve'], hostEnv(dataDir, { NODE_ENV: 'production', PORT: String(await freePort()) }));
    expect(await serve.exited).not.toBe(0);
    expect(serve.output().stderr).toContain('PAYPILOT_MASTER_KEY is not set');
    expect(serve.output().stderr).toContain(recipe);
    expect(existsSync(path.join(dataDir, 'master.key'))).toBe(false);
  }, 60_000);

  it('worker --production without PAYPILOT_MASTER_KEY refuses the same way, whatever NODE_ENV says', async () => {
    const dataDir = await newDataDir();
    const worker = run(['worker', '--production'], hostEnv(dataDir, { NODE_ENV: 'development' }));
    expect(await worker.exited).not.toBe(0);
    expect(worker.output().stderr).toContain('PAYPILOT_MASTER_KEY is not set');
    expect(worker.output().stderr).toContain(recipe);
    expect(worker.output().stdout).not.toContain('worker running');
    expect(existsSync(path.join(dataDir, 'master.key'))).toBe(false);
  }, 60_000);

  it('serve --production with PAYPILOT_MASTER_KEY starts, without a warning and without a key file', async () => {
    const dataDir = await newDataDir();
    const port = await freePort();
    // No worker runs beside it: /ready is asked about the key and the database, not the worker's heartbeat.
    const serve = run(['serve', '--production'], hostEnv(dataDir, { PAYPILOT_MASTER_KEY: randomBytes(32).toString('base64'), PORT: String(port), WORKER_HEARTBEAT_MAX_AGE_SECONDS: '0' }));
    const deadline = Date.now() + 60_000;
    let ready = 0;
    while (ready !== 200 && Date.now() < deadline && serve.child.exitCode === null) {
      ready = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status, () => 0);
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ready, JSON.stringify(serve.output())).toBe(200);
    expect(serve.output().stderr).not.toContain('PAYPILOT_MASTER_KEY');
    expect(existsSync(path.join(dataDir, 'master.key'))).toBe(false);
    expect(await stop(serve)).toBe(0);
  }, 90_000);

  it('worker outside production without a key keeps a development key and says so in exactly one warning line', async () => {
    const dataDir = await newDataDir();
    const first = run(['worker'], hostEnv(dataDir, {}));
    await untilOutput(first, 'worker running');
    const warnings = first.output().stderr.split('\n').filter((line) => line.includes('PAYPILOT_MASTER_KEY'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('warning');
    expect(warnings[0]).toContain(path.join(dataDir, 'master.key'));
    expect(existsSync(path.join(dataDir, 'master.key'))).toBe(true);
    expect(await stop(first)).toBe(0);
  }, 90_000);
});
