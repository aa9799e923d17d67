/**
 * A simulated card acquirer: a small HTTP service that speaks the card
 * connector's Stripe-like protocol (see connectors/card/wire.ts and the "Test
 * cards" table of shared/PROTOCOLS.md), keeps its state in memory, and can be
 * told to misbehave (faults.ts) so that tests and demos can show that a slow,
 * failing or silent acquirer never makes Paypilot charge twice.
 *
 *   const acquirer = await startCardAcquirer({ apiKeys: [cardAcquirerDefaultApiKey] });
 *   … acquirer.url, acquirer.stats(), acquirer.setFaults({ failNext: 1, failMode: 'respond_late' }) …
 *   await acquirer.close();
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { assert } from '../../domain/assert.ts';
import type { Clock, RandomSource } from '../../domain/clock.ts';
import { cryptoRandom, systemClock } from '../../domain/clock.ts';
import { authorizationRoutes } from './authorizations.ts';
import type { AcquirerContext } from './context.ts';
import { bearerKey, send } from './context.ts';
import type { CardAcquirerFaults, InjectedFailure } from './faults.ts';
import { faultsDefault, parseFaults, takeFailure } from './faults.ts';
import { refundRoutes } from './refunds.ts';
import { errorResponse, okResponse } from './responses.ts';
import type { CardAcquirerStats } from './state.ts';
import { newState } from './state.ts';
import { SimulatorStore } from '../persistence/store.ts';
import { notificationControlRoutes } from './notifications.ts';

export type { CardAcquirerFaults, FailMode } from './faults.ts';
export type { CardAcquirerStats } from './state.ts';

/** Above this many requests waiting at once (latency, late answers), Node warns of a listener leak. */
const concurrentWaitsMax = 10_000;

/** The key demos configure; tests pass their own. */
export const cardAcquirerDefaultApiKey = 'sk_sim_card_demo';

export interface CardAcquirerOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The Bearer keys accepted on /v1; each one is an account of its own. */
  apiKeys: string[];
  clock?: Clock;
  /** For object ids; defaults to node:crypto. */
  random?: RandomSource;
  /** Keeps authorizations, refunds, stored answers and records in this directory across restarts; in memory only without it. */
  dataDir?: string;
}

export interface CardAcquirer {
  /** `http://host:port`, without a trailing slash. */
  url: string;
  /** Ends promptly, destroying held and late sockets. */
  close(): Promise<void>;
  stats(): CardAcquirerStats;
  setFaults(faults: Partial<CardAcquirerFaults>): void;
  /** Forgets every object and counter, and clears the faults. */
  reset(): void;
}

export async function startCardAcquirer(options: CardAcquirerOptions): Promise<CardAcquirer> {
  assert(options.apiKeys.length > 0, 'the card acquirer needs at least one API key');
  const closing = new AbortController();
  // Every waiting request listens on this one signal; many may wait at once.
  setMaxListeners(concurrentWaitsMax, closing.signal);
  const store = SimulatorStore.open(options.dataDir, 'card-acquirer');
  const clock = options.clock ?? systemClock;
  const context: AcquirerContext = {
    state: newState(store, clock),
    store,
    faults: { ...faultsDefault },
    apiKeys: new Set(options.apiKeys),
    clock,
    random: options.random ?? cryptoRandom,
    sleep: (ms) => (ms === 0 ? Promise.resolve() : delay(ms, undefined, { signal: closing.signal }).catch(never)),
  };
  const app = buildCardAcquirerApp(context);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  assert(address !== null && typeof address === 'object', 'the card acquirer listens on a TCP port');

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    async close() {
      closing.abort(); // ends pending latency, processing and late-answer waits
      await app.close(); // forceCloseConnections destroys held sockets
      store.close();
    },
    stats: () => ({ ...context.state.stats }),
    setFaults(faults) {
      const parsed = parseFaults(faults);
      assert(!('error' in parsed), `invalid faults: ${'error' in parsed ? parsed.error : ''}`);
      Object.assign(context.faults, parsed);
    },
    reset: () => resetAcquirer(context),
  };
}

/**
 * Once the server is closing, a waiting request must not go on to answer (or
 * to do its work): it waits forever, and close() destroys its socket.
 */
function never(): Promise<never> {
  return new Promise<never>(() => {});
}

function resetAcquirer(context: AcquirerContext): void {
  context.store.clear();
  context.state = newState(context.store, context.clock);
  context.faults = { ...faultsDefault };
}

/** Kept apart from listen(), so it could also be driven with app.inject(). */
function buildCardAcquirerApp(context: AcquirerContext): FastifyInstance {
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    bodyLimit: 64 * 1024,
    // Strict types: "100" is not an amount. Unknown parameters are refused, not dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  });
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((_request, reply) => send(reply, errorResponse('route_unknown')));
  // Before any answer leaves (and before the gate's own onSend delays or drops it), what was done is on disk.
  app.addHook('onSend', async () => context.store.flush());
  app.register(
    async (v1) => {
      installGate(v1, context);
      authorizationRoutes(v1, context);
      refundRoutes(v1, context);
    },
    { prefix: '/v1' },
  );
  app.register(async (control) => controlRoutes(control, context), { prefix: '/_control' });
  return app;
}

/**
 * Every /v1 request: counted, authenticated, slowed by latencyMs, then given
 * the next injected failure if there is one. The failures that "do the work"
 * act after the route has answered, in onSend.
 */
function installGate(v1: FastifyInstance, context: AcquirerContext): void {
  const failures = new WeakMap<FastifyRequest, InjectedFailure>();

  v1.addHook('onRequest', async (request, reply) => {
    context.state.stats.requests += 1;
    const key = bearerKey(request);
    if (key === null || !context.apiKeys.has(key)) return send(reply, errorResponse('api_key_invalid'));
    await context.sleep(context.faults.latencyMs);
    const failure = takeFailure(context.faults);
    if (failure === null) return;
    failures.set(request, failure);
    if (failure.mode === 'error_500') return send(reply, errorResponse('simulated_fault'));
    if (failure.mode === 'timeout') return never();
  });

  v1.addHook('onSend', async (request, _reply, payload) => {
    const failure = failures.get(request);
    if (failure?.mode === 'respond_late') await context.sleep(failure.lateMs);
    if (failure?.mode === 'drop_after_processing') request.raw.socket.destroy();
    return payload;
  });
}

function controlRoutes(control: FastifyInstance, context: AcquirerContext): void {
  control.post('/faults', async (request, reply) => {
    const parsed = parseFaults(request.body ?? {});
    if ('error' in parsed) return send(reply, errorResponse('parameter_invalid', { message: parsed.error }));
    Object.assign(context.faults, parsed);
    return send(reply, okResponse({ ...context.faults }));
  });
  control.post('/reset', async (_request, reply) => {
    resetAcquirer(context);
    return send(reply, okResponse({}));
  });
  control.get('/stats', async (_request, reply) => send(reply, okResponse({ ...context.state.stats })));
  control.get('/records', async (_request, reply) => reply.send(context.state.records.report()));
  notificationControlRoutes(control, context);
}

/** Fastify's own errors (schema validation, unreadable JSON) in the acquirer's error format. */
function answerError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const first = error.validation?.[0];
  if (first !== undefined) {
    const params = first.params as { missingProperty?: string; additionalProperty?: string };
    const path = [...first.instancePath.split('/').filter(Boolean), params.missingProperty ?? params.additionalProperty]
      .filter((part) => part !== undefined)
      .map((part, index) => (index === 0 ? part : `[${part}]`))
      .join('');
    const code =
      first.keyword === 'required' ? 'parameter_missing' : first.keyword === 'additionalProperties' ? 'parameter_unknown' : 'parameter_invalid';
    return send(reply, errorResponse(code, { param: path, message: `${path} ${first.message ?? 'is invalid'}` }));
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return send(reply, { ...errorResponse('body_invalid'), statusCode: status });
  return send(reply, errorResponse('internal_error'));
}
