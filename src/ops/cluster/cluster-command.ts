/**
 * `paypilot cluster --api N --workers M` (`npm run cluster -- --api 3 --workers 2`):
 * N `paypilot serve` and M `paypilot worker` processes on one PostgreSQL
 * (the data directory's embedded one when DATABASE_URL is unset, as `npm
 * start` does) behind a round-robin proxy on 127.0.0.1 (proxy.ts), whose
 * address it prints. A node that exits on its own is started again after a
 * pause; SIGINT or SIGTERM stops the proxy, then every node (each gets the
 * shutdown grace to finish what it holds), then the database.
 *
 * Ports: the proxy on PORT (4000), API nodes on PORT+1 … PORT+N.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { nodeFlags } from '../../config/node-flags.ts';
import { ConfigError, type Config } from '../../config/config.ts';
import { loadMasterKey, openConfiguredDatabase } from '../../runtime.ts';
import { startRoundRobinProxy } from './proxy.ts';

const cli = path.resolve(import.meta.dirname, '../../cli.ts');
const nodesMax = 16;
const readyTimeoutMs = 180_000;
const restartDelayMs = 1_000;

export interface ClusterNode {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The nodes of a cluster and their environments; `shared` is what every node gets (database, key, public URL). */
export function clusterNodes(counts: { api: number; workers: number }, basePort: number, shared: NodeJS.ProcessEnv): ClusterNode[] {
  const api = Array.from({ length: counts.api }, (_, index) => ({
    name: `api-${index + 1}`,
    args: ['serve'],
    env: { ...shared, PORT: String(basePort + 1 + index) },
  }));
  const workers = Array.from({ length: counts.workers }, (_, index) => ({ name: `worker-${index + 1}`, args: ['worker'], env: { ...shared } }));
  return [...api, ...workers];
}

export function parseClusterCounts(args: string[]): { api: number; workers: number } {
  const { values } = parseArgs({ args, options: { api: { type: 'string' }, workers: { type: 'string' } } });
  const count = (text: string | undefined, name: string, fallback: number, min: number) => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < min || value > nodesMax) throw new ConfigError(`--${name} must be a whole number from ${min} to ${nodesMax}`);
    return value;
  };
  return { api: count(values.api, 'api', 3, 1), workers: count(values.workers, 'workers', 2, 0) };
}

export async function clusterCommand(config: Config, args: string[]): Promise<() => Promise<void>> {
  const counts = parseClusterCounts(args);
  if (config.port === 0 || config.port + counts.api > 65535) throw new ConfigError(`cluster needs PORT and the ${counts.api} ports after it`);
  const masterKey = await loadMasterKey(config);
  // Migrated once here, before any node starts; the embedded server (if any) lives as long as this process.
  const database = await openConfiguredDatabase(config, { poolSize: 2 });
  const publicBaseUrl = process.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${config.port}`;
  const shared: NodeJS.ProcessEnv = {
    DATABASE_URL: database.url,
    PAYPILOT_MASTER_KEY: masterKey.toString('base64'),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: publicBaseUrl,
    // The proxy adds X-Forwarded-For: the nodes believe it from the proxy alone.
    TRUST_PROXY: process.env.TRUST_PROXY ?? '127.0.0.1',
    // Every node logs to this terminal: warnings and errors only, unless LOG_LEVEL asks for more.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const nodes = clusterNodes(counts, config.port, shared).map((node) => supervise(node));
  const proxy = await startRoundRobinProxy({
    upstreams: nodes.filter((node) => node.name.startsWith('api-')).map((node) => `http://127.0.0.1:${node.env.PORT}`),
    host: '127.0.0.1',
    port: config.port,
  });
  const stop = async () => {
    await proxy.close();
    await Promise.all(nodes.map((node) => node.stop(config.shutdownGraceMs + 5_000)));
    await database.close();
  };
  try {
    const deadline = Date.now() + readyTimeoutMs;
    while (proxy.ready().length < counts.api) {
      if (Date.now() > deadline) throw new Error(`only ${proxy.ready().length} of ${counts.api} API nodes became ready within ${readyTimeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  console.log(`cluster ready at ${proxy.url}  (${counts.api} API nodes on ports ${config.port + 1}–${config.port + counts.api}, ${counts.workers} workers; ${database.description})`);
  console.log('Ctrl-C stops every node, then the database.');
  return stop;
}

interface Supervised extends ClusterNode {
  stop(graceMs: number): Promise<void>;
}

/** Runs a node, its output prefixed with its name; starts it again when it exits on its own. */
function supervise(node: ClusterNode): Supervised {
  let child: ChildProcess | null = null;
  let stopping = false;
  const prefix = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.length > 0) stream.write(`[${node.name}] ${line}\n`);
  };
  const launch = () => {
    const started = spawn(process.execPath, [...nodeFlags, cli, ...node.args], { env: { ...process.env, ...node.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout.on('data', prefix(process.stdout));
    started.stderr.on('data', prefix(process.stderr));
    started.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`[${node.name}] exited (${signal ?? `code ${code}`}); starting it again in ${restartDelayMs} ms`);
      setTimeout(() => !stopping && launch(), restartDelayMs);
    });
  };
  launch();
  return {
    ...node,
    async stop(graceMs) {
      stopping = true;
      const current = child;
      if (current === null || current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
