/**
 * A small round-robin reverse proxy in front of several API processes, for
 * `paypilot cluster` and the chaos run: what a load balancer does, on
 * 127.0.0.1.
 *
 * Built on http-proxy-3 (a maintained TypeScript rewrite of the long-lived
 * `http-proxy`, used by Vite): it streams requests and answers through
 * Node's own http module, and leaves the choice of upstream to us per
 * request, which is all a round robin needs. @fastify/http-proxy was the
 * other candidate; it takes one upstream per route, so a round robin would
 * have gone through reply-from's `getUpstream` hook and a Fastify instance
 * whose routing, body handling and error envelope we do not want between a
 * client and the API.
 *
 * Each upstream's `/ready` is asked every `checkIntervalMs`; requests go to
 * the ready ones in turn (to all in turn when none is ready: better an
 * attempt than a refusal). A connection refused or reset marks an upstream
 * not ready until its next good check. A request the proxy cannot deliver is
 * answered 502 and never resent: it may have reached the API, and the client
 * retries it with its Idempotency-Key.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

export interface ProxyOptions {
  upstreams: string[];
  host: string;
  /** 0: any free port. */
  port: number;
  checkIntervalMs?: number;
  checkTimeoutMs?: number;
  /** Longer than the API's own request timeout (30 s), so the API answers first. */
  upstreamTimeoutMs?: number;
}

export interface ProxyFigures {
  requests: number;
  /** Requests answered 502 because their upstream could not be reached or dropped them. */
  badGateway: number;
  perUpstream: Record<string, number>;
}

export interface RoundRobinProxy {
  url: string;
  /** The upstreams whose last check found them ready. */
  ready(): string[];
  figures(): ProxyFigures;
  close(): Promise<void>;
}

const upstreamsMax = 64;

export async function startRoundRobinProxy(options: ProxyOptions): Promise<RoundRobinProxy> {
  if (options.upstreams.length === 0 || options.upstreams.length > upstreamsMax) throw new Error(`a proxy needs 1 to ${upstreamsMax} upstreams`);
  const checkIntervalMs = options.checkIntervalMs ?? 1_000;
  const checkTimeoutMs = options.checkTimeoutMs ?? 2_000;
  const upstreams = options.upstreams.map((url) => ({ url, ready: false }));
  const figures: ProxyFigures = { requests: 0, badGateway: 0, perUpstream: Object.fromEntries(options.upstreams.map((url) => [url, 0])) };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: options.upstreamTimeoutMs ?? 60_000 });
  const proxy = createProxyServer({ agent, xfwd: true, proxyTimeout: options.upstreamTimeoutMs ?? 60_000 });
  let next = 0;

  const pick = () => {
    const ready = upstreams.filter((upstream) => upstream.ready);
    const pool = ready.length > 0 ? ready : upstreams;
    next = (next + 1) % Number.MAX_SAFE_INTEGER;
    return pool[next % pool.length]!;
  };

  const server = http.createServer((request, response) => {
    const upstream = pick();
    figures.requests += 1;
    figures.perUpstream[upstream.url] = (figures.perUpstream[upstream.url] ?? 0) + 1;
    proxy.web(request, response, { target: upstream.url }, (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET') upstream.ready = false;
      figures.badGateway += 1;
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'application/json', connection: 'close' });
        response.end(JSON.stringify({ error: { type: 'api_error', code: 'bad_gateway', message: `upstream ${upstream.url} did not answer (${code ?? 'error'})` } }));
      } else {
        response.destroy();
      }
    });
  });
  server.keepAliveTimeout = 30_000;

  const check = async () => {
    await Promise.all(
      upstreams.map(async (upstream) => {
        const answer = await fetch(`${upstream.url}/ready`, { signal: AbortSignal.timeout(checkTimeoutMs) }).catch(() => null);
        upstream.ready = answer?.status === 200;
        await answer?.body?.cancel();
      }),
    );
  };
  let stopped = false;
  let checking: Promise<void> = check();
  const timer = setInterval(() => {
    if (!stopped) checking = checking.then(check);
  }, checkIntervalMs);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${address.port}`,
    ready: () => upstreams.filter((upstream) => upstream.ready).map((upstream) => upstream.url),
    figures: () => ({ ...figures, perUpstream: { ...figures.perUpstream } }),
    async close() {
      stopped = true;
      clearInterval(timer);
      await checking.catch(() => undefined);
      const cutOff = setTimeout(() => server.closeAllConnections(), 5_000);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(cutOff);
      agent.destroy();
      proxy.close();
    },
  };
}
