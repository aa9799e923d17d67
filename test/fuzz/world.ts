/**
 * What the fuzzer runs against: the API in this process on 127.0.0.1, on the
 * PostgreSQL that DATABASE_URL names or an embedded one in a temporary
 * directory, with the four providers' simulators, and merchants whose
 * payments stand in every state a request can meet (waiting for a method,
 * at a QR code, at a card's one-time code, authorized, succeeded, refunded,
 * canceled, declined, paid from the wallet).
 *
 * Three merchants: `main` takes almost every request; `sandbox` takes the
 * connector-account operations, so an account the fuzzer points nowhere
 * cannot turn main's provider calls into 503s (a provider out of reach is a
 * 503 by design, not a malformed request); `other` is there for requests
 * that cross tenants.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { orderPageToken } from '../../src/domain/secrets.ts';
import { createMerchant } from '../../src/flows/merchants/create-merchant.ts';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/routes/route-kit.ts';
import { createFlowContext, prepareDatabase } from '../../src/runtime.ts';
import { startAlipaySimulator } from '../../src/simulators/alipay/server.ts';
import { startCardAcquirer } from '../../src/simulators/card-acquirer/server.ts';
import { startUnionpaySimulator } from '../../src/simulators/unionpay/server.ts';
import { startWechatPaySimulator } from '../../src/simulators/wechat-pay/server.ts';
import { openDatabase } from '../../src/store/database.ts';
import { startEmbeddedPostgres } from '../../src/store/embedded-postgres.ts';

export interface Keys {
  secret: string;
  publishable: string;
  live: string;
}

export interface World {
  url: string;
  host: string;
  port: number;
  app: App;
  main: Keys;
  sandbox: Keys;
  other: Keys;
  /** The simulators' base URLs: the only `base_url` values the fuzzer sends that could be reached. */
  simulatorUrls: string[];
  /** Ids seen so far, by prefix (`pay`, `cus` …), seeded with the ones made here and grown from answers. */
  ids: Map<string, string[]>;
  /** Each payment's client_secret, for the payer's calls with a publishable key. */
  clientSecrets: Map<string, string>;
  /** Which id prefix the `:id` of each resource takes (`payments` → `pay`). */
  resourcePrefix: Map<string, string>;
  orderToken(paymentId: string): string;
  close(): Promise<void>;
}

const acquirerKey = 'sk_sim_card_fuzz';
/** Ids kept per prefix; the oldest are forgotten past it, so a long run's pools stay small. */
const idsPerPrefixMax = 200;

export async function startWorld(options: { databaseUrl: string | undefined; logLevel: string; log: (line: string) => void }): Promise<World> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((error: unknown) => options.log(`fuzz: while stopping: ${String(error)}`));
  };
  try {
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paypilot-fuzz-'));
      // embedded-postgres stops its server itself on a signal and exits: remove the directory last thing.
      process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
      closers.push(() => rm(dataDir, { recursive: true, force: true }));
      const embedded = await startEmbeddedPostgres(dataDir, { persistent: false });
      closers.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    const database = openDatabase(databaseUrl, { poolSize: 10, applicationName: 'paypilot-fuzz' });
    closers.push(() => database.close());
    await prepareDatabase(database);

    const acquirer = await startCardAcquirer({ apiKeys: [acquirerKey], host: '127.0.0.1', port: 0 });
    closers.push(() => acquirer.close());
    // Notifications resend only after minutes: the fuzzer's requests are the only traffic.
    const alipay = await startAlipaySimulator({ notifyDelayScale: 1 });
    closers.push(() => alipay.close());
    const wechat = await startWechatPaySimulator({ notifyDelayScale: 1 });
    closers.push(() => wechat.close());
    const unionpay = await startUnionpaySimulator({ notifyDelayScale: 1 });
    closers.push(() => unionpay.close());

    const context = createFlowContext({
      db: database.db,
      masterKey: randomBytes(32),
      publicBaseUrl: 'http://127.0.0.1',
      connectorTimeoutMs: 5_000,
      // Retries of a provider call need not wait: the fuzzer measures answers, not time.
      sleep: async () => {},
      // The simulators live on 127.0.0.1: test-mode accounts and webhooks may reach them (PAYPILOT_ALLOW_PRIVATE_URLS_IN_TEST).
      outboundPolicy: { allowPrivateInTest: true },
    });
    const app = await buildApp({ context, logLevel: options.logLevel, rateLimitPerSecond: 0, defaultBaseUrls: { card: acquirer.url } });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    context.publicBaseUrl = url;
    const { hostname, port } = new URL(url);

    const call = async (key: string, method: string, route: string, body?: unknown) => {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const made = async (key: string, method: string, route: string, body?: unknown) => {
      const answer = await call(key, method, route, body);
      if (answer.status !== 200) throw new Error(`fuzz setup: ${method} ${route} answered ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    const newMerchant = async (name: string): Promise<Keys> => {
      const merchant = await createMerchant(context, { name, supportEmail: 'ops@shop.example' });
      const keys = { secret: merchant.keys.secret_test, publishable: merchant.keys.publishable_test, live: merchant.keys.secret_live };
      await made(keys.secret, 'POST', '/v1/connector_accounts', { connector: 'card', credentials: { api_key: acquirerKey } });
      return keys;
    };
    const main = await newMerchant('Fuzzed Tea House');
    const sandbox = await newMerchant('Fuzzed Sandbox');
    const other = await newMerchant('Another Merchant');
    for (const [connector, simulator] of [['alipay', alipay], ['wechat_pay', wechat], ['unionpay', unionpay]] as const) {
      await made(main.secret, 'POST', '/v1/connector_accounts', { connector, base_url: simulator.url, credentials: simulator.registerMerchant() });
      await made(sandbox.secret, 'POST', '/v1/connector_accounts', { connector, base_url: simulator.url, credentials: simulator.registerMerchant() });
    }

    const world: World = {
      url,
      host: hostname,
      port: Number(port),
      app,
      main,
      sandbox,
      other,
      simulatorUrls: [acquirer.url, alipay.url, wechat.url, unionpay.url],
      ids: new Map(),
      clientSecrets: new Map(),
      resourcePrefix: new Map(),
      orderToken: (paymentId) => orderPageToken(paymentId, context.keys.orderPage),
      close,
    };
    const note = (route: string, body: { id?: string; client_secret?: string }) => {
      if (body.id) rememberId(world, body.id);
      if (body.id && body.client_secret) world.clientSecrets.set(body.id, body.client_secret);
      const resource = route.split('/')[2];
      if (resource && body.id && !world.resourcePrefix.has(resource)) world.resourcePrefix.set(resource, prefixOf(body.id));
      return body;
    };
    const create = (key: string, route: string, body: unknown) => made(key, 'POST', route, body).then((answer) => note(route, answer) as { id: string });

    const customer = await create(main.secret, '/v1/customers', { email: 'payer@example.com', phone: '+86 138 0000 0000', name: '王小明', locale: 'zh-CN' });
    await made(main.secret, 'PUT', `/v1/customers/${customer.id}/wallet/pin`, { pin: '147258' });
    const topUp = await made(main.secret, 'POST', `/v1/customers/${customer.id}/wallet/top_ups`, { amount: 500_000, currency: 'CNY' });
    await made(main.secret, 'POST', `/v1/payments/${topUp.id}/confirm`, { payment_method: card('4242424242424242') });
    const payment = (extra: Record<string, unknown> = {}) => create(main.secret, '/v1/payments', { amount: 1999, currency: 'CNY', customer: customer.id, order: { reference: 'F-1' }, ...extra });
    const confirm = (id: string, body: unknown) => call(main.secret, 'POST', `/v1/payments/${id}/confirm`, body);

    await payment();
    await confirm((await payment()).id, { payment_method: card('4242424242424242') });
    await confirm((await payment({ capture_method: 'manual' })).id, { payment_method: card('4242424242424242') });
    await confirm((await payment()).id, { payment_method: card('4000002760003184') });
    await confirm((await payment()).id, { payment_method: card('4000000000009995') });
    for (const type of ['alipay', 'wechat_pay', 'unionpay']) await confirm((await payment()).id, { payment_method: { type } });
    await confirm((await payment()).id, { payment_method: { type: 'wallet', wallet: { pin: '147258' } } });
    const refunded = await payment();
    await confirm(refunded.id, { payment_method: card('4242424242424242') });
    await create(main.secret, '/v1/refunds', { payment: refunded.id, amount: 500, reason: 'requested_by_customer' });
    await made(main.secret, 'POST', `/v1/payments/${(await payment()).id}/cancel`, { cancellation_reason: 'requested_by_customer' });
    const paidForAfterSales = await payment();
    await confirm(paidForAfterSales.id, { payment_method: card('4242424242424242') });
    await made(main.secret, 'POST', `/v1/payments/${paidForAfterSales.id}/fulfillment_events`, { type: 'shipped', carrier: 'SF Express', tracking_number: 'SF1234567890' });
    const afterSales = await call(main.secret, 'POST', `/v1/orders/${paidForAfterSales.id}/after_sales_requests?token=${world.orderToken(paidForAfterSales.id)}`, { kind: 'refund', reason: 'arrived broken' });
    if (afterSales.status === 200) note('/v1/after_sales_requests', afterSales.body);

    await create(main.secret, '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/webhooks', enabled_events: ['*'] });
    await create(main.secret, '/v1/alert_rules', { kind: 'failure_rate', payment_method_type: 'card', threshold: 0.5, window_seconds: 300 });
    const events = await made(main.secret, 'GET', '/v1/events?limit=20');
    for (const event of events.data as { id: string }[]) note('/v1/events', event);
    const accounts = await made(main.secret, 'GET', '/v1/connector_accounts');
    for (const account of accounts.data as { id: string }[]) note('/v1/connector_accounts', account);
    world.resourcePrefix.set('notify', 'ca');
    world.resourcePrefix.set('orders', 'pay');
    world.resourcePrefix.set('alerts', 'alr');
    return world;
  } catch (error) {
    await close();
    throw error;
  }
}

export function prefixOf(id: string): string {
  return id.slice(0, id.indexOf('_'));
}

const idShape = /^[a-z]{2,4}_[0-9a-z]{26}$/;

export function rememberId(world: World, id: string): void {
  if (!idShape.test(id)) return;
  const pool = world.ids.get(prefixOf(id)) ?? [];
  if (pool.includes(id)) return;
  pool.push(id);
  if (pool.length > idsPerPrefixMax) pool.shift();
  world.ids.set(prefixOf(id), pool);
}

export function card(number: string) {
  return { type: 'card', card: { number, exp_month: 12, exp_year: new Date().getUTCFullYear() + 3, cvc: '123' } };
}
