/**
 * `paypilot simulate-traffic`: plays a seeded script of payers (see
 * traffic-plan.ts) through the real API and the real provider simulators,
 * spread over past days, so every analytics figure has something to show.
 *
 * It lives with the simulators, not the flows: it is the simulated outside
 * world (merchant's server, payers, providers) and composes the HTTP app
 * with them, as test/support/stack.ts does; flows may not import the app.
 *
 * How past days are made real: the API, the simulators and the sweeps share
 * one injected clock. The script is cut into half-hour slots; in a slot's
 * first half the clock runs with real time from the slot's start (so
 * latencies are real) while the slot's payments go through HTTP on
 * 127.0.0.1, several at once; then the clock jumps to the slot's sweep time
 * and the worker's sweeps run (status queries settle QR payments the payer
 * paid, unpaid payments past expiry are canceled as abandoned); then the
 * slot's refunds. One channel's simulator fails every request for sixteen hours
 * of one day (fault injection over its /_control/faults), as a provider
 * outage would. During it, and after it until that provider has been called
 * again, the payments that may call it go one at a time (the others go on
 * several at once), so the circuit breaker opens, probes and closes the same
 * way on every run.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { ConfigError, type Config } from '../../config/config.ts';
import { limits } from '../../domain/limits.ts';
import { hashApiKey } from '../../domain/secrets.ts';
import { createApiKey, createMerchant } from '../../flows/merchants/create-merchant.ts';
import type { FlowContext } from '../../flows/context.ts';
import { buildApp } from '../../http/app.ts';
import { createFlowContext, loadMasterKey, openConfiguredDatabase } from '../../runtime.ts';
import { findActiveApiKey, findMerchant, revokeApiKey } from '../../store/merchants.ts';
import { startAlipaySimulator } from '../alipay/server.ts';
import { cardAcquirerDefaultApiKey, startCardAcquirer } from '../card-acquirer/server.ts';
import { startUnionpaySimulator } from '../unionpay/server.ts';
import { startWechatPaySimulator } from '../wechat-pay/server.ts';
import { call, concurrencyDefault, inPool, SlotClock, type World } from './world.ts';
import { playPlan } from './play.ts';
import { formatSummary, summarize, type TrafficSummary } from './summary.ts';

export type { TrafficSummary };
import { planTraffic, type Channel, type TrafficPlan } from './traffic-plan.ts';

export interface TrafficOptions {
  payments: number;
  days: number;
  seed: number;
  /** Default: now, down to the hour. */
  endMs?: number;
  /** Default: the demo merchant of <data dir>/demo.json, else a new one (which becomes the demo). */
  merchantId?: string;
  concurrency?: number;
}

/** The CLI: parses and checks the options, runs, prints the summary. */
export async function simulateTrafficCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      payments: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      merchant: { type: 'string' },
      end: { type: 'string' },
      concurrency: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const integer = (text: string | undefined, name: string, fallback: number, min: number, max: number): number => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`--${name} must be an integer from ${min} to ${max}`);
    return value;
  };
  const endMs = values.end === undefined ? undefined : Date.parse(values.end);
  if (endMs !== undefined && (!Number.isFinite(endMs) || endMs % 3_600_000 !== 0 || endMs > Date.now())) {
    throw new ConfigError('--end must be a past whole hour in ISO 8601 (2026-11-30T12:00:00Z)');
  }
  if (values.merchant !== undefined && !/^mer_[0-9a-z]{26}$/.test(values.merchant)) throw new ConfigError('--merchant must be a merchant id (mer_…)');
  const summary = await simulateTraffic(
    config,
    {
      payments: integer(values.payments, 'payments', 1000, 1, limits.simulatedPaymentsMax),
      days: integer(values.days, 'days', 7, 1, limits.simulatedDaysMax),
      seed: integer(values.seed, 'seed', 1, 0, 2 ** 31 - 1),
      endMs,
      merchantId: values.merchant,
      concurrency: integer(values.concurrency, 'concurrency', concurrencyDefault, 1, 64),
    },
    values.json ? () => {} : (line) => console.error(line),
  );
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
}

export async function simulateTraffic(config: Config, options: TrafficOptions, log: (line: string) => void): Promise<TrafficSummary> {
  const endMs = options.endMs ?? Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const plan = planTraffic({ payments: options.payments, days: options.days, seed: options.seed, endMs });
  const clock = new SlotClock(plan.startMs);
  const database = await openConfiguredDatabase(config, { poolSize: limits.databasePoolSize });
  const closers: (() => Promise<unknown>)[] = [() => database.close()];
  try {
    // Retries do not wait: the clock of a slot runs with real time, and a payer is not kept waiting for a backoff that only slows the run.
    // Its simulators listen on 127.0.0.1 and it plays test mode only: private addresses are allowed in test mode here whatever the environment says.
    const context = createFlowContext({
      db: database.handle.db, masterKey: await loadMasterKey(config), publicBaseUrl: 'http://127.0.0.1:0', clock, sleep: async () => {}, outboundPolicy: { allowPrivateInTest: true },
    });
    const host = '127.0.0.1';
    const acquirer = await startCardAcquirer({ apiKeys: [cardAcquirerDefaultApiKey], host, port: 0, clock });
    closers.push(() => acquirer.close());
    const alipay = await startAlipaySimulator({ host, port: 0, clock });
    closers.push(() => alipay.close());
    const wechat = await startWechatPaySimulator({ host, port: 0, clock });
    closers.push(() => wechat.close());
    const unionpay = await startUnionpaySimulator({ host, port: 0, clock });
    closers.push(() => unionpay.close());
    const app = await buildApp({ context, logLevel: config.logLevel === 'debug' || config.logLevel === 'trace' ? 'error' : 'silent', rateLimitPerSecond: 0, defaultBaseUrls: { card: acquirer.url } });
    const apiBase = await app.listen({ host, port: 0 });
    closers.push(() => app.close());
    context.publicBaseUrl = apiBase;
    const access = await merchantAccess(config, context, options.merchantId);
    if (access.revoke) closers.push(access.revoke);
    const world: World = { context, clock, apiBase, secretKey: access.secretKey, publishableKey: access.publishableKey, acquirer, qr: { alipay, wechat_pay: wechat, unionpay }, run: `sim_${randomBytes(6).toString('hex')}`, internalErrors: [] };
    clock.enter(plan.startMs, 0);
    await pointAccountsAtSimulators(world);
    const customerIds = await createCustomers(world, plan, options.concurrency ?? concurrencyDefault);
    log(`simulating ${plan.payments.length} payments over ${options.days} days for ${access.merchantId} (run ${world.run}, seed ${plan.seed})`);
    const startedMs = performance.now();
    await playPlan(world, plan, customerIds, options.concurrency ?? concurrencyDefault, log);
    const elapsedSeconds = (performance.now() - startedMs) / 1000;
    return await summarize(world, plan, access.merchantId, elapsedSeconds);
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// Setting up: the merchant, its key, its accounts, its customers.

interface DemoFile {
  merchant_id: string;
  secret_key: string;
  publishable_key: string;
  api_base: string;
  customer_id?: string;
}

interface MerchantAccess {
  merchantId: string;
  secretKey: string;
  /** What the payer's checkout holds: payers cancel through it, with the payment's client_secret. */
  publishableKey: string;
  revoke: (() => Promise<void>) | null;
}

async function merchantAccess(config: Config, context: FlowContext, merchantId: string | undefined): Promise<MerchantAccess> {
  const file = path.join(config.dataDir, 'demo.json');
  const demo = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as DemoFile) : null;
  if (merchantId === undefined && demo && (await findMerchant(context.db, demo.merchant_id))) {
    return { merchantId: demo.merchant_id, secretKey: demo.secret_key, publishableKey: demo.publishable_key, revoke: null };
  }
  if (merchantId !== undefined) {
    if (!(await findMerchant(context.db, merchantId))) throw new ConfigError(`no merchant ${merchantId}`);
    if (demo?.merchant_id === merchantId) return { merchantId, secretKey: demo.secret_key, publishableKey: demo.publishable_key, revoke: null };
    // Keys for this run only, revoked at its end: the merchant's own keys are never seen here.
    const secretKey = await createApiKey(context, merchantId, 'secret', 'test');
    const publishableKey = await createApiKey(context, merchantId, 'publishable', 'test');
    const revoke = async () => {
      for (const runKey of [secretKey, publishableKey]) {
        const key = await findActiveApiKey(context.db, hashApiKey(runKey), new Date(Date.now()));
        if (key) await revokeApiKey(context.db, merchantId, key.keyId, new Date(Date.now()));
      }
    };
    return { merchantId, secretKey, publishableKey, revoke };
  }
  const created = await createMerchant(context, { name: 'Demo Shop 演示商店' });
  const fresh: DemoFile = { merchant_id: created.merchantId, secret_key: created.keys.secret_test, publishable_key: created.keys.publishable_test, api_base: config.publicBaseUrl };
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600 });
  return { merchantId: created.merchantId, secretKey: fresh.secret_key, publishableKey: fresh.publishable_key, revoke: null };
}

/**
 * The merchant's test-mode accounts at each provider point at this run's
 * simulators (as `npm start` does for the demo at every start); a provider
 * it has no account at gets one.
 */
async function pointAccountsAtSimulators(world: World): Promise<void> {
  const listed = await call(world, 'GET', '/v1/connector_accounts?limit=100');
  const existing = (listed.body?.data ?? []) as { id: string; connector: string }[];
  const targets: { connector: Channel; baseUrl: string; credentials: () => object }[] = [
    { connector: 'card', baseUrl: world.acquirer.url, credentials: () => ({ api_key: cardAcquirerDefaultApiKey }) },
    { connector: 'alipay', baseUrl: world.qr.alipay.url, credentials: () => world.qr.alipay.registerMerchant() },
    { connector: 'wechat_pay', baseUrl: world.qr.wechat_pay.url, credentials: () => world.qr.wechat_pay.registerMerchant() },
    { connector: 'unionpay', baseUrl: world.qr.unionpay.url, credentials: () => world.qr.unionpay.registerMerchant() },
  ];
  for (const target of targets) {
    const accounts = existing.filter((account) => account.connector === target.connector);
    const answers =
      accounts.length === 0
        ? [await call(world, 'POST', '/v1/connector_accounts', { connector: target.connector, base_url: target.baseUrl, credentials: target.credentials() })]
        : await Promise.all(accounts.map((a) => call(world, 'POST', `/v1/connector_accounts/${a.id}`, { base_url: target.baseUrl, credentials: target.credentials() })));
    for (const answer of answers) if (answer.status !== 200) throw new Error(`could not set up the ${target.connector} account: ${JSON.stringify(answer.body)}`);
  }
}

async function createCustomers(world: World, plan: TrafficPlan, concurrency: number): Promise<string[]> {
  const ids: string[] = new Array<string>(plan.customers.length);
  await inPool(plan.customers, concurrency, async (customer) => {
    const created = await call(world, 'POST', '/v1/customers', {
      name: `Simulated payer ${customer.index + 1}`,
      locale: customer.locale,
      metadata: { simulation: world.run, persona: customer.persona },
    });
    if (created.status !== 200) throw new Error(`could not create a customer: ${JSON.stringify(created.body)}`);
    ids[customer.index] = created.body.id as string;
  });
  return ids;
}

// ---------------------------------------------------------------------------
