/**
 * A simulated UnionPay online gateway (acp 5.1.0, signMethod 01), speaking
 * the protocol of connectors/unionpay from the gateway's side, with its own
 * generated RSA keys, its state in memory, back notifications resent on a
 * schedule (notifier.ts) and fault injection (faults.ts).
 *
 *   const gateway = await startUnionpaySimulator({ notifyDelayScale: 0.001 });
 *   const credentials = gateway.registerMerchant();
 *   … the payer opens the connector's redirect URL; gateway.payer(orderId).pay() …
 *   await gateway.close();
 *
 * Routes: `GET|POST /gateway/api/frontTransReq.do` (the payer page),
 * `POST /gateway/payer/{pay,decline,leave}` (its buttons),
 * `POST /gateway/api/backTransReq.do` (refund), `POST /gateway/api/queryTrans.do`,
 * `POST /gateway/api/fileTransfer.do`, and `/_control/{faults,reset,stats}`.
 * Every API answer is signed with the simulator's key, errors included; only
 * the injected HTTP 500 is not.
 *
 * Where it accepts what the real gateway would not (see the connector's
 * header): a query by orderId without the original txnTime (a txnTime that
 * is sent must match), and a refund without backUrl (its result is learnt by
 * query; no refund notification is sent; with one, the result is notified
 * there, as the real gateway does). A settlement day is the Beijing
 * calendar day of completion (the real one cuts off at 23:00).
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assert } from '../../domain/assert.ts';
import type { Clock } from '../../domain/clock.ts';
import { systemClock } from '../../domain/clock.ts';
import { gatewayPaths, parseForm } from '../../connectors/unionpay/wire.ts';
import type { InjectedFailure, UnionpayFaults } from './faults.ts';
import { faultsDefault, parseFaults, takeFailure } from './faults.ts';
import { createNotifier } from './notifier.ts';
import type { MerchantRecord, UnionpaySimulatorStats } from './state.ts';
import { keptGatewayKeys, newKeyPair, newState } from './state.ts';
import { jsonCodec, SimulatorStore } from '../persistence/store.ts';

import { payerOf, type Context, type UnionpayPayer } from './context.ts';
import { backTransaction, fileTransfer, formOf, frontTransaction, payerAction, queryFieldsOf, queryTransaction, answer } from './transactions.ts';

export type { UnionpayPayer };
export type { FailMode, UnionpayFaults } from './faults.ts';
export type { UnionpaySimulatorStats } from './state.ts';
export { notificationAttemptsMax, resendGapsMs } from './notifier.ts';

/** Above this many requests waiting at once (latency, late answers), Node warns of a listener leak. */
const concurrentWaitsMax = 10_000;
const bodyBytesMax = 64 * 1024;

export interface UnionpaySimulatorOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** For txnTime checks, payTimeout, queryIds and settlement days. Notification timers are real. */
  clock?: Clock;
  /** Multiplies the resend gaps (1 = minutes as documented in notifier.ts). Defaults to 1. */
  notifyDelayScale?: number;
  /** Keeps its keys, merchants, orders, refunds and records in this directory across restarts; in memory only without it. */
  dataDir?: string;
}

/** What an account at this gateway needs: the connector's credentials, as named in connector-accounts. */
export interface UnionpayMerchantCredentials {
  mer_id: string;
  cert_id: string;
  private_key: string;
  unionpay_public_key: string;
}

export interface UnionpaySimulator {
  /** `http://host:port`, without a trailing slash: the connector account's baseUrl. */
  url: string;
  /** Ends promptly: cancels notifications and destroys held and late sockets. */
  close(): Promise<void>;
  registerMerchant(): UnionpayMerchantCredentials;
  /** The payer of an order opened through the front form; throws when there is no such order. */
  payer(orderNumber: string): UnionpayPayer;
  setFaults(faults: Partial<UnionpayFaults>): void;
  stats(): UnionpaySimulatorStats;
  /** Resolves once no notification is scheduled or in flight. */
  notificationsIdle(): Promise<void>;
  /** Forgets orders, refunds and counters, cancels notifications and clears the faults; registered merchants stay. */
  reset(): void;
}


export async function startUnionpaySimulator(options: UnionpaySimulatorOptions = {}): Promise<UnionpaySimulator> {
  const closing = new AbortController();
  setMaxListeners(concurrentWaitsMax, closing.signal);
  const store = SimulatorStore.open(options.dataDir, 'unionpay');
  const clock = options.clock ?? systemClock;
  // The notifier reads the context only when it sends, after the context exists.
  const notifier = createNotifier({
    scale: options.notifyDelayScale ?? 1,
    faults: () => context.faults,
    stats: () => context.state.stats,
  });
  const context: Context = {
    state: newState(store, clock),
    faults: { ...faultsDefault },
    store,
    merchants: store.map('merchant', jsonCodec<MerchantRecord>()),
    clock,
    keys: keptGatewayKeys(store),
    notifier,
    sleep: (ms) => (ms === 0 ? Promise.resolve() : delay(ms, undefined, { signal: closing.signal }).catch(never)),
  };
  const app = buildUnionpayApp(context);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  assert(address !== null && typeof address === 'object', 'the UnionPay simulator listens on a TCP port');

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    async close() {
      notifier.cancelAll();
      closing.abort();
      await app.close();
      store.close();
    },
    registerMerchant: () => registerMerchant(context),
    payer: (orderNumber) => payerOf(context, orderNumber),
    setFaults(faults) {
      const parsed = parseFaults(faults);
      assert(!('error' in parsed), `invalid faults: ${'error' in parsed ? parsed.error : ''}`);
      Object.assign(context.faults, parsed);
    },
    stats: () => ({ ...context.state.stats }),
    notificationsIdle: () => notifier.idle(),
    reset: () => resetSimulator(context),
  };
}

/** Once the server is closing, a waiting request must not go on to answer: close() destroys its socket. */
function never(): Promise<never> {
  return new Promise<never>(() => {});
}

function resetSimulator(context: Context): void {
  context.notifier.cancelAll();
  const merchants = [...context.merchants.entries()];
  context.store.clear();
  keptGatewayKeys(context.store, context.keys);
  context.merchants = context.store.map('merchant', jsonCodec<MerchantRecord>());
  for (const [merId, merchant] of merchants) context.merchants.set(merId, merchant);
  context.state = newState(context.store, context.clock);
  context.faults = { ...faultsDefault };
}

let merchantSequence = 0;

function registerMerchant(context: Context): UnionpayMerchantCredentials {
  // Past the merchants kept from before a restart, so a new merId never takes an old one's place.
  merchantSequence = Math.max(merchantSequence, context.merchants.size) + 1;
  const merId = `777290058${String(100_000 + merchantSequence).slice(-6)}`;
  const certId = String(68_759_585_097 + merchantSequence);
  const keys = newKeyPair();
  context.merchants.set(merId, { merId, certId, publicKeyPem: keys.publicKeyPem });
  return { mer_id: merId, cert_id: certId, private_key: keys.privateKeyPem, unionpay_public_key: context.keys.publicKeyPem };
}

// ---------------------------------------------------------------------------
// The app.

function buildUnionpayApp(context: Context): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: bodyBytesMax });
  app.addHook('onSend', async () => context.store.flush()); // what was done is on disk before any answer leaves
  // @fastify/formbody is not a dependency: forms arrive as text and are parsed by wire.parseForm.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setNotFoundHandler((_request, reply) => reply.code(404).type('text/plain').send('not found'));

  app.register(async (api) => {
    api.addHook('onRequest', async () => {
      context.state.stats.requests += 1;
      await context.sleep(context.faults.latencyMs);
    });
    api.get(gatewayPaths.front, async (request, reply) => frontTransaction(context, queryFieldsOf(request), reply));
    api.post(gatewayPaths.front, async (request, reply) => frontTransaction(context, formOf(request), reply));
  });

  app.register(async (api) => {
    installFaultGate(api, context);
    api.post(gatewayPaths.back, async (request, reply) => answer(reply, backTransaction(context, formOf(request))));
    api.post(gatewayPaths.query, async (request, reply) => answer(reply, queryTransaction(context, formOf(request))));
    api.post(gatewayPaths.file, async (request, reply) => answer(reply, fileTransfer(context, formOf(request))));
  });

  app.post('/gateway/payer/:action', async (request, reply) => payerAction(context, request, reply));
  app.register(async (control) => controlRoutes(control, context), { prefix: '/_control' });
  return app;
}

/**
 * Every back-end API request: counted, slowed by latencyMs, then given the
 * next injected failure if there is one. respond_late acts after the route
 * has done its work, in onSend.
 */
function installFaultGate(api: FastifyInstance, context: Context): void {
  const failures = new WeakMap<FastifyRequest, InjectedFailure>();
  api.addHook('onRequest', async (request, reply) => {
    context.state.stats.requests += 1;
    await context.sleep(context.faults.latencyMs);
    const failure = takeFailure(context.faults);
    if (failure === null) return;
    failures.set(request, failure);
    if (failure.mode === 'error_500') return reply.code(500).type('text/plain').send('simulated fault');
    if (failure.mode === 'timeout') return never();
  });
  api.addHook('onSend', async (request, _reply, payload) => {
    const failure = failures.get(request);
    if (failure?.mode === 'respond_late') await context.sleep(failure.lateMs);
    return payload;
  });
}

function controlRoutes(control: FastifyInstance, context: Context): void {
  control.post('/faults', async (request, reply) => {
    const body = typeof request.body === 'string' ? parseForm(request.body) : request.body;
    const parsed = parseFaults(body ?? {});
    if ('error' in parsed) return reply.code(400).send({ error: parsed.error });
    Object.assign(context.faults, parsed);
    return reply.send({ ...context.faults });
  });
  control.post('/reset', async (_request, reply) => {
    resetSimulator(context);
    return reply.send({});
  });
  control.get('/stats', async (_request, reply) => reply.send({ ...context.state.stats }));
  control.get('/records', async (_request, reply) => reply.send(context.state.records.report()));
  control.post('/merchants', async (_request, reply) => reply.send(registerMerchant(context))); // credentials over HTTP, for a simulator process
}

