/**
 * The composition root: turns configuration into running parts (database,
 * flows' context, HTTP server, worker, simulators). The CLI and the tests
 * both assemble Paypilot from here.
 */
import { noMessaging, type Messaging } from './messaging/messaging.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { smtpMailer } from './messaging/mailer.ts';
import { httpSmsSender } from './messaging/sms.ts';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnectorRegistry } from './connectors/registry.ts';
import { createHttpExchange, type Resolver } from './connectors/http-exchange.ts';
import type { OutboundAddressPolicy } from './domain/notifications/outbound-address.ts';
import { cryptoRandom, systemClock, type Clock, type RandomSource } from './domain/clock.ts';
import { createIdGenerator } from './domain/ids.ts';
import { routingPolicyDefault } from './domain/payments/routing.ts';
import { AccountHealth } from './flows/channels/account-health.ts';
import { circuitIncidentRecorder } from './flows/channels/record-incident.ts';
import { deriveKeys } from './domain/secrets.ts';
import type { Config } from './config/config.ts';
import { ConfigError, parseMasterKey } from './config/config.ts';
import type { FlowContext } from './flows/context.ts';
import { openDatabase, type DatabaseHandle } from './store/database.ts';
import { embeddedDatabaseDirs, startEmbeddedPostgres, type EmbeddedDatabase } from './store/embedded-postgres.ts';
import { migrateToLatest } from './store/migrate.ts';
import { prepareJobQueue } from './jobs/worker.ts';

export interface Database {
  handle: DatabaseHandle;
  /** The read replica's handle (DATABASE_READ_URL), never migrated or written through; null without one. */
  read: DatabaseHandle | null;
  embedded: EmbeddedDatabase | null;
  url: string;
  /** Which database this is, for a person: DATABASE_URL's host, or the data directory's embedded PostgreSQL (and whose). */
  description: string;
  close(): Promise<void>;
}

/**
 * Opens the configured PostgreSQL and migrates it. Without DATABASE_URL it is
 * the data directory's embedded PostgreSQL: the one a running `npm start`
 * already serves from that directory when there is one (a command such as
 * `ledger verify` run beside it reads the same data), else started here.
 */
export async function openConfiguredDatabase(config: Config, options: { poolSize?: number; log?: (line: string) => void } = {}): Promise<Database> {
  const running = config.databaseUrl ? null : await runningEmbeddedPostgres(config.dataDir, options.poolSize);
  const embedded = config.databaseUrl || running ? null : await startEmbeddedPostgres(config.dataDir, { log: options.log });
  const url = config.databaseUrl ?? running?.url ?? embedded!.url;
  const handle = running?.handle ?? openDatabase(url, { poolSize: options.poolSize });
  try {
    await prepareDatabase(handle);
  } catch (error) {
    await handle.close();
    await embedded?.stop();
    throw error;
  }
  // The replica is only opened (lazily, by its pool): it may be down now and come back; reads fall back to the primary meanwhile.
  const read = config.databaseReadUrl ? openDatabase(config.databaseReadUrl, { poolSize: options.poolSize, applicationName: 'paypilot-read' }) : null;
  const where = new URL(url);
  const description = config.databaseUrl
    ? `DATABASE_URL (${where.hostname}:${where.port || 5432}${where.pathname})`
    : `the embedded PostgreSQL in ${running?.directory ?? embedded!.directory} (${running ? `already running, port ${where.port}, served by the process that started it` : `started here, port ${where.port}`})`;
  return {
    handle,
    read,
    embedded,
    url,
    description,
    async close() {
      await read?.close();
      await handle.close();
      await embedded?.stop();
    },
  };
}

/**
 * The embedded PostgreSQL that another process (a running `npm start`) serves
 * from this data directory, if any: PostgreSQL's own `postmaster.pid` names its
 * process and port while it runs (the password is the directory's). Two
 * servers can never share one directory, so a second process connects to it
 * instead of starting its own. A stale file (a crash) or a server that does
 * not answer means none.
 */
async function runningEmbeddedPostgres(dataDir: string, poolSize?: number): Promise<{ url: string; handle: DatabaseHandle; directory: string } | null> {
  const passwordFile = path.join(dataDir, 'postgres-password');
  if (!existsSync(passwordFile)) return null;
  // In the data directory, or where a server started as root keeps it when postgres cannot enter the data directory.
  for (const directory of embeddedDatabaseDirs(dataDir)) {
    const pidFile = path.join(directory, 'postmaster.pid');
    if (!existsSync(pidFile)) continue;
    const lines = (await readFile(pidFile, 'utf8')).split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535 || !isAlive(pid)) continue;
    const password = (await readFile(passwordFile, 'utf8')).trim();
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/paypilot`;
    const handle = openDatabase(url, { poolSize });
    try {
      await handle.pool.query('select 1');
      return { url, handle, directory };
    } catch {
      await handle.close();
    }
  }
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user (the `postgres` user a root start uses).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Everything the schema needs: Paypilot's migrations and graphile-worker's
 * own tables, which the outbox trigger on `events` queues jobs into.
 */
export async function prepareDatabase(handle: Pick<DatabaseHandle, 'db' | 'pool'>): Promise<void> {
  await migrateToLatest(handle.db);
  await prepareJobQueue(handle.pool);
}

/** How an operator makes a master key: 32 random bytes, base64. */
export const masterKeyRecipe = `node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"`;

export const missingMasterKeyMessage = [
  'PAYPILOT_MASTER_KEY is not set, and in production (NODE_ENV=production or --production) Paypilot makes no key of its own:',
  'connector credentials, webhook secrets and queued messages are sealed under it, so every server and worker must share the same one.',
  'Make one, keep it in your secret store, and set PAYPILOT_MASTER_KEY to it on every host:',
  `  ${masterKeyRecipe}`,
].join('\n');

/** Says that the development key is in use; by default one line on standard error. */
export type DevelopmentKeyNotice = (file: string, created: boolean) => void;

const warnDevelopmentKey: DevelopmentKeyNotice = (file, created) =>
  console.error(
    `paypilot: warning: PAYPILOT_MASTER_KEY is not set; using the development key ${created ? 'just created in' : 'kept in'} ${file}. ` +
      `Production needs PAYPILOT_MASTER_KEY, the same on every host (make one with: ${masterKeyRecipe}).`,
  );

/**
 * The master key from configuration; outside production, one kept in the data
 * directory (made on first use). In production a missing key is refused: a key
 * made quietly on each host would seal what no other host can open.
 */
export async function loadMasterKey(config: Config, notice: DevelopmentKeyNotice = warnDevelopmentKey): Promise<Buffer> {
  if (config.masterKey) return config.masterKey;
  if (config.production) throw new ConfigError(missingMasterKeyMessage);
  const file = path.join(config.dataDir, 'master.key');
  if (existsSync(file)) {
    const key = parseMasterKey((await readFile(file, 'utf8')).trim());
    notice(file, false);
    return key;
  }
  await mkdir(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    // Never over another process's key made a moment ago: what it sealed would be lost.
    await writeFile(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return loadMasterKey(config, notice);
  }
  notice(file, true);
  return key;
}

export function createFlowContext(options: {
  db: FlowContext['db'];
  /** The read replica's handle (DATABASE_READ_URL); unset: reads stay on `db`. */
  readDb?: FlowContext['readDb'];
  masterKey: Buffer;
  publicBaseUrl: string;
  clock?: Clock;
  random?: RandomSource;
  connectorTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  messaging?: Messaging;
  metrics?: Metrics;
  /** Which addresses user-set URLs may reach; unset: public ones only (PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST off). */
  outboundPolicy?: OutboundAddressPolicy;
  /** Name resolution for outbound calls; a test injects one. */
  resolve?: Resolver;
}): FlowContext {
  const clock = options.clock ?? systemClock;
  const outbound = createHttpExchange({ policy: options.outboundPolicy, resolve: options.resolve });
  const random = options.random ?? cryptoRandom;
  const ids = createIdGenerator(clock, random);
  // A circuit opening or closing becomes a connector incident, written beside the payment, never in its way.
  const incidents = circuitIncidentRecorder({ db: () => context.db, ids });
  const context: FlowContext = {
    db: options.db,
    readDb: options.readDb ?? options.db,
    clock,
    random,
    ids,
    keys: deriveKeys(options.masterKey),
    connectors: createConnectorRegistry({ timeoutMs: options.connectorTimeoutMs, clock, exchange: outbound }),
    outbound,
    accountHealth: new AccountHealth({
      db: () => context.db,
      clock,
      policy: routingPolicyDefault,
      // Unique per process (and per context): the name under which this process holds a half-open probe.
      holder: `node_${Buffer.from(random.bytes(8)).toString('hex')}`,
      onCircuitChange: incidents.listener,
    }),
    publicBaseUrl: options.publicBaseUrl,
    sleep: options.sleep ?? ((ms) => sleep(ms)),
    messaging: options.messaging ?? noMessaging,
    metrics: options.metrics ?? createMetrics(),
  };
  return context;
}

/** The operator's outbound address rules: live mode reaches public addresses only; test mode more when allowed. */
export function outboundPolicyOf(config: Pick<Config, 'allowPrivateUrlsInTest'>): OutboundAddressPolicy {
  return { allowPrivateInTest: config.allowPrivateUrlsInTest };
}

/** Email and SMS as configured; either may be absent (its messages are then skipped). */
export function configuredMessaging(config: Config): Messaging {
  return {
    mailer: config.smtp ? smtpMailer(config.smtp) : null,
    sms: config.sms ? httpSmsSender(config.sms) : null,
    mailFrom: config.mailFrom,
  };
}
