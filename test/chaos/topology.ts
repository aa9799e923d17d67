/**
 * The chaos run's Paypilot nodes: by default one `paypilot serve` and one
 * `paypilot worker`, the client talking to the API directly (the run as it
 * always was); with `--api N --workers M`, a cluster as `npm run cluster`
 * makes one — N API and M worker processes behind the same round-robin
 * proxy (src/ops/cluster/proxy.ts) — any node of which the chaos may kill.
 */
import { startRoundRobinProxy, type ProxyFigures } from '../../src/ops/cluster/proxy.ts';
import { freePortRun, listening, managed, type Managed } from './processes.ts';

export interface Topology {
  api: number;
  workers: number;
  /** Behind the proxy (a cluster), or the single API process addressed directly. */
  cluster: boolean;
}

export interface Nodes {
  /** Where the merchant's client and the providers' notifications go. */
  apiUrl: string;
  apis: Managed[];
  workers: Managed[];
  proxyFigures(): ProxyFigures | null;
  close(): Promise<void>;
}

/** The API's address is known before any node starts: the environment's PUBLIC_BASE_URL names it. */
export async function planApiAddress(topology: Topology): Promise<{ apiPort: number; nodePorts: number[] }> {
  const apiPort = await freePortRun(1);
  if (!topology.cluster) return { apiPort, nodePorts: [apiPort] };
  const first = await freePortRun(topology.api);
  return { apiPort, nodePorts: Array.from({ length: topology.api }, (_, index) => first + index) };
}

export async function startNodes(topology: Topology, plan: { apiPort: number; nodePorts: number[] }, env: NodeJS.ProcessEnv, logDir: string): Promise<Nodes> {
  const apis = plan.nodePorts.map((port, index) =>
    managed({ name: topology.cluster ? `api-${index + 1}` : 'api', env: { ...env, PORT: String(port) }, logDir, args: ['serve'], ready: () => ready(port) }),
  );
  const workers = Array.from({ length: topology.workers }, (_, index) =>
    managed({ name: topology.workers > 1 ? `worker-${index + 1}` : 'worker', env, logDir, args: ['worker'], ready: (output) => output.includes('worker running') }),
  );
  const proxy = topology.cluster
    ? await startRoundRobinProxy({ upstreams: plan.nodePorts.map((port) => `http://127.0.0.1:${port}`), host: '127.0.0.1', port: plan.apiPort, checkIntervalMs: 500 })
    : null;
  const nodes: Nodes = {
    apiUrl: `http://127.0.0.1:${plan.apiPort}`,
    apis,
    workers,
    proxyFigures: () => proxy?.figures() ?? null,
    async close() {
      await proxy?.close();
      await Promise.all([...apis, ...workers].map((node) => node.stop()));
    },
  };
  try {
    await Promise.all([...apis, ...workers].map((node) => node.start()));
  } catch (error) {
    await nodes.close();
    throw error;
  }
  return nodes;
}

async function ready(port: number): Promise<boolean> {
  if (!(await listening(port))) return false;
  const answer = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
  return answer?.status === 200;
}
