/**
 * The Fastify application, built apart from `listen()` so tests can call
 * `app.inject()` or listen on a port of their own.
 */
import Fastify, { type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import { PaymentError, errorCatalog } from '../domain/errors.ts';
import { limits } from '../domain/limits.ts';
import { negotiateLocale, type Locale } from '../domain/locale.ts';
import { createRateLimiter } from '../domain/rate-limit.ts';
import { createSharedRateLimiter } from '../flows/rate-limits/shared-rate-limiter.ts';
import type { InvalidationListener } from '../store/invalidation.ts';
import { addressRateLimitsOff, registerAddressLimits, type AddressRateLimits } from './plugins/address-limits.ts';
import { createApiKeyCache } from './plugins/api-key-cache.ts';
import { cacheConnectorAccounts } from '../store/connector-accounts.ts';
import { getApiKey } from '../flows/api-keys/list-api-keys.ts';
import { cachedSerializerFactory, cachedValidatorCompiler } from './compiled-schemas.ts';
import { registerApiKeys } from './routes/v1/api-keys/index.ts';
import type { FlowContext } from '../flows/context.ts';
import { registerHealthAndReadiness } from './plugins/readiness.ts';
import type { ReadinessOptions } from '../flows/operations/readiness.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerErrorHandling, sendError } from './plugins/errors.ts';
import { screenText } from './plugins/text-screen.ts';
import { clientErrorHandler, registerServerEdges } from './plugins/client-errors.ts';
import { registerJsonBody } from './plugins/json-body.ts';
import { registerIdempotency } from './plugins/idempotency.ts';
import { paymentView, scopeOf, type App } from './routes/route-kit.ts';
import { getPayment } from '../flows/payments/create-payment.ts';
import { getRefund } from '../flows/payments/refund-payment.ts';
import { presentRefund } from '../flows/payments/present.ts';
import { registerConnectorAccounts } from './routes/v1/connector-accounts/index.ts';
import { registerCustomers } from './routes/v1/customers/index.ts';
import { registerPayments } from './routes/v1/payments/index.ts';
import { registerRefunds } from './routes/v1/refunds/index.ts';
import { registerNotify } from './routes/v1/notifications/notify.ts';
import { registerWallet } from './routes/v1/wallet/index.ts';
import { registerWebhooks } from './routes/v1/webhooks/index.ts';
import { registerCheckout } from './routes/v1/checkout/index.ts';
import { registerOrders } from './routes/v1/orders/index.ts';
import { registerSupport } from './routes/v1/support/index.ts';
import { registerCouponRoutes } from './routes/v1/coupons/index.ts';
import { registerExperimentRoutes } from './routes/v1/experiments/index.ts';
import { getExperiment } from '../flows/experiments/experiments.ts';
import { registerRiskRoutes } from './routes/v1/risk/index.ts';
import { getRiskRule } from '../flows/risk/rules.ts';
import { getBlocklistEntry } from '../flows/risk/blocklists.ts';
import { getCoupon } from '../flows/coupons/coupons.ts';
import { registerPages } from './routes/pages.ts';
import { registerAnalytics } from './routes/v1/analytics/index.ts';
import { registerAlerts } from './routes/v1/alerts/index.ts';
import { registerLoyaltyProgrammeRetrieve } from './routes/v1/loyalty/programme-retrieve.ts';
import { registerLoyaltyProgrammeSet } from './routes/v1/loyalty/programme-set.ts';
import { registerPointsCustomer } from './routes/v1/customers/points.ts';
import { registerPointsAnalytics } from './routes/v1/analytics/points.ts';
import { metricsText } from '../observability/metrics.ts';
import { loggerOptions, type LogDestination } from '../observability/logging.ts';
import { consoleSessionAuthenticator, registerConsoleSession } from './plugins/console-session.ts';
import { registerConsoleApi } from './routes/console/index.ts';
import { registerConsolePages } from './routes/console-pages.ts';
import { registerRequestLog } from './plugins/request-log.ts';
import { registerApiAudit } from './plugins/api-audit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
  }
}

export interface AppOptions {
  context: FlowContext;
  logLevel?: string;
  /** Where log lines go (standard output unless given; tests read them). */
  logDestination?: LogDestination;
  /** Requests per second per API key (bursts of twice that); 0 turns the limit off. */
  rateLimitPerSecond?: number;
  /**
   * The per-key and per-address limits held by every API process together, in
   * PostgreSQL (flows/rate-limits/shared-rate-limiter.ts), rather than by each
   * process alone.
   */
  sharedRateLimits?: boolean;
  /** Where each connector's bundled simulator listens: the default `base_url` of a new account. */
  defaultBaseUrls?: Partial<Record<string, string>>;
  /**
   * Hears key changes from every process (src/store/invalidation.ts). Without
   * one, API keys are not cached: every request looks its key up.
   */
  invalidation?: InvalidationListener | null;
  /** Per client address: failed authentications, the payer's pages, provider notifications. Absent: all off. */
  addressRateLimits?: AddressRateLimits;
  /** Which proxies' X-Forwarded-For to believe for the client's address (Fastify's trustProxy); default none. */
  trustProxy?: boolean | number | string[];
  /** Fault injection for crash tests: runs after a keyed request's handler, before its key is completed. */
  beforeIdempotencyKeyCompletes?: () => void;
  /** What `/ready` checks beyond the database and its migrations; absent: no worker heartbeat, no newer migration allowed. */
  readiness?: Partial<ReadinessOptions>;
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { context } = options;
  const serverEdgeOptions = { newRequestId: () => context.ids.newId('req'), publicBaseUrl: () => context.publicBaseUrl };
  const app = Fastify({
    // Keys, client secrets, tokens, PINs, codes and card data never reach the logs, whatever the level.
    logger: loggerOptions(options.logLevel ?? 'info', options.logDestination),
    bodyLimit: limits.bodyBytesMax,
    requestTimeout: limits.httpRequestTimeoutMs,
    genReqId: () => context.ids.newId('req'),
    // Long ids reach the route, whose schema refuses them in the catalog's words.
    routerOptions: { maxParamLength: 500 },
    // The router's own refusals (a malformed URL, say) answer from the catalog too.
    frameworkErrors: (error, request, reply) => {
      void sendError(request, reply, new PaymentError('parameter_invalid', { param: 'path', details: { reason: error.message } }), context.publicBaseUrl);
    },
    requestIdHeader: false,
    // One serializer per distinct response schema, not per route (compiled-schemas.ts).
    schemaController: { compilersFactory: { buildSerializer: cachedSerializerFactory() } },
    // Fastify takes a hop count too, though its types do not say so.
    trustProxy: (options.trustProxy ?? false) as boolean | string[],
    // A missing Host is refused below, in the catalog's words, rather than by Node with an empty 400.
    http: { maxHeaderSize: limits.headerBytesMax, requireHostHeader: false },
    // Requests Node's parser refuses answer from the catalog too, with Connection: close.
    clientErrorHandler: clientErrorHandler(serverEdgeOptions),
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerServerEdges(app.server, serverEdgeOptions);

  // Bodies are taken as sent (no type coercion: "100" is not an amount); query strings and paths are text, so they are coerced.
  const bodyValidator = cachedValidatorCompiler(createAjv({ coerceTypes: false }));
  const queryValidator = cachedValidatorCompiler(createAjv({ coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyValidator(schema as object) : queryValidator(schema as object)));

  app.decorateRequest('locale', 'en');
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    request.locale = negotiateLocale(request.headers['accept-language']);
    void reply.header('request-id', request.id);
    // No upgrade is ever granted, and Node 24 stops answering oversized headers on a connection that asked for one: close it.
    if (request.headers.upgrade !== undefined) void reply.header('connection', 'close');
    // RFC 9112: an HTTP/1.1 request without Host is malformed.
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) throw new PaymentError('request_malformed');
  });
  // A POST with no body at all means "no parameters", not "malformed"; text the database cannot store is refused here.
  app.addHook('preValidation', async (request) => {
    // The router fills a path parameter with nothing for a trailing slash (`POST /v1/payments/`): no such route.
    const params = request.params as Record<string, unknown> | undefined;
    if (params && Object.values(params).some((value) => value === '')) {
      throw new PaymentError('route_unknown', { details: { method: request.method, path: request.url.split('?')[0] ?? '' } });
    }
    if (request.method === 'POST' && request.body === undefined) request.body = {};
    screenText({ body: request.body, query: request.query, params: request.params });
  });
  // Only JSON bodies: Fastify's default text/plain parser would turn a JSON body sent as text into a string.
  app.removeContentTypeParser('text/plain');
  registerJsonBody(app);

  registerErrorHandling(app, { publicBaseUrl: () => context.publicBaseUrl });
  const ratePerSecond = options.rateLimitPerSecond ?? 0;
  const rateLimiter =
    ratePerSecond <= 0
      ? null
      : options.sharedRateLimits
        ? createSharedRateLimiter({ db: context.db, clock: context.clock, name: 'api_key', ratePerSecond, burst: ratePerSecond * 2 })
        : createRateLimiter(context.clock, ratePerSecond, ratePerSecond * 2);
  // The address limits run before authentication, so a flood of unauthenticated requests costs no lookup.
  const addressLimiters = registerAddressLimits(app, {
    clock: context.clock,
    limits: options.addressRateLimits ?? addressRateLimitsOff,
    ...(options.sharedRateLimits ? { shared: context.db } : {}),
  });
  const invalidation = options.invalidation ?? null;
  const cache = createApiKeyCache({ db: context.db, clock: context.clock, metrics: context.metrics, invalidation });
  // Each merchant's enabled connector accounts, kept while the listener listens (store/connector-accounts.ts).
  if (invalidation) {
    const stopCachingAccounts = cacheConnectorAccounts(context.db, invalidation, context.clock);
    // Circuit breakers are shared by every process: this one hears each change as it commits.
    const stopFollowingBreakers = context.accountHealth.follow(invalidation);
    app.addHook('onClose', async () => {
      stopCachingAccounts();
      stopFollowingBreakers();
    });
  }
    registerAuth(app, { cache, rateLimiter, authFailureLimiter: addressLimiters.authFailures, session: consoleSessionAuthenticator(context) });
  registerIdempotency(app, {
    db: context.db,
    clock: context.clock,
    recover: async (request, effect) => {
      const scope = scopeOf(request);
      switch (effect.objectType) {
        case 'payment':
          return paymentView({ context }, request, await getPayment(context, scope, effect.objectId));
        case 'refund':
          return presentRefund(await getRefund(context, scope, effect.objectId));
        case 'api_key': {
          // The key as it stands; a create's or roll's secret was never stored, so it is answered as a replay would be.
          const key = await getApiKey(context, scope, effect.objectId);
          return request.routeOptions.config?.idempotencyRedact?.includes('secret') ? { ...key, secret: null } : key;
        }
        case 'coupon':
          return getCoupon(context, scope, effect.objectId);
        case 'experiment':
          return getExperiment(context, scope, effect.objectId);
        case 'risk_rule':
          return getRiskRule(context, scope, effect.objectId);
        case 'blocklist_entry':
          return getBlocklistEntry(context, scope, effect.objectId);
      }
    },
    beforeKeyCompletes: options.beforeIdempotencyKeyCompletes,
  });
  registerConsoleSession(app, { context });
  registerRequestLog(app, { context });
  registerApiAudit(app, { context });

  // Every POST takes an Idempotency-Key and every route Accept-Language: say so in each route's schema,
  // which documents them in the OpenAPI description (the idempotency plugin enforces the key's rules).
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/') || !route.schema) return;
    const properties: Record<string, unknown> = {
      'accept-language': { type: 'string', description: 'en, zh-CN or zh-TW; anything else gives en.' },
    };
    if (route.method === 'POST') {
      properties['idempotency-key'] = {
        type: 'string',
        minLength: 1,
        maxLength: limits.idempotencyKeyLengthMax,
        description: 'Replays the first answer for 24 hours when the same request is sent again with the same key.',
      };
    }
    route.schema.headers = { type: 'object', properties };
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Paypilot API',
        version: '1',
        description:
          'One payment API over cards, Alipay, WeChat Pay, UnionPay and a stored-value wallet. Amounts are integers in minor units. Every POST accepts an Idempotency-Key header. `Accept-Language` (en, zh-CN, zh-TW) picks the language of every message and suggestion.',
      },
      servers: [{ url: context.publicBaseUrl }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'sk_test_… / sk_live_… (secret) or pk_… (publishable, checkout calls only)' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const deps = { context };
  registerPayments(app, deps);
  registerRefunds(app, deps);
  registerCustomers(app, deps);
  registerWallet(app, deps);
  registerWebhooks(app, deps);
  registerCheckout(app, deps);
  registerOrders(app, deps);
  registerSupport(app, deps);
  registerAnalytics(app, deps);
  registerAlerts(app, deps);
  registerApiKeys(app, { ...deps, invalidation });
  registerLoyaltyProgrammeSet(app, deps);
  registerLoyaltyProgrammeRetrieve(app, deps);
  registerPointsCustomer(app, deps);
  registerPointsAnalytics(app, deps);
  registerCouponRoutes(app, deps);
  registerExperimentRoutes(app, deps);
  registerRiskRoutes(app, deps);
  await registerPages(app, deps);
  registerConnectorAccounts(app, { ...deps, defaultBaseUrls: options.defaultBaseUrls ?? {} });
  await registerNotify(app, deps);
  registerConsoleApi(app, deps);
  registerConsolePages(app, deps);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerHealthAndReadiness(app, context.db, {
    workerHeartbeatMaxAgeMs: options.readiness?.workerHeartbeatMaxAgeMs ?? null,
    allowNewerMigrations: options.readiness?.allowNewerMigrations ?? false,
  });
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Prometheus metrics',
        description: 'Payments, provider calls and their latency per connector, webhook deliveries, messages, and the queue and backlogs read from PostgreSQL. Aggregates only, no personal data; keep it on an internal network.',
      },
    },
    async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await metricsText(context.metrics, context.db)),
  );
  app.get('/docs/errors', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(errorCatalogPage()));
  return app;
}

function createAjv(options: Pick<AjvOptions, 'coerceTypes'>): Ajv {
  const ajv = new Ajv({ ...options, removeAdditional: false, useDefaults: true, allErrors: false, strict: false, discriminator: true });
  addFormats.default(ajv);
  return ajv;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** The page each error's `doc_url` points to. */
function errorCatalogPage(): string {
  const rows = Object.entries(errorCatalog)
    .map(
      ([code, d]) =>
        `<tr id="${code}"><td><code>${code}</code></td><td>${d.status}</td><td>${d.type}</td><td>${escapeHtml(d.text.en.message)}<br>${escapeHtml(d.text['zh-CN'].message)}<br>${escapeHtml(d.text['zh-TW'].message)}</td><td>${escapeHtml(d.text.en.suggestion)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Paypilot error codes</title>
<style>body{font:15px system-ui;margin:2rem}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}</style>
<h1>Error codes</h1><table><tr><th>code</th><th>HTTP</th><th>type</th><th>message</th><th>suggestion</th></tr>${rows}</table></html>`;
}
