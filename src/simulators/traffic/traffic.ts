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
import { sql } from 'kysely';
import { ConfigError, type Config } from '../../config/config.ts';
import type { Clock } from '../../domain/clock.ts';
import { limits } from '../../domain/limits.ts';
import { hashApiKey } from '../../domain/secrets.ts';
import { createApiKey, createMerchant } from '../../flows/merchants/create-merchant.ts';
import { orderNumberOf } from '../../flows/channels/channel-payments.ts';
import type { FlowContext } from '../../flows/context.ts';
import { expireAbandonedPayments } from '../../flows/payments/expire-payments.ts';
import { resolveUnknownOutcomes } from '../../flows/channels/resolve-outcomes.ts';
import { buildApp } from '../../http/app.ts';
import { createFlowContext, loadMasterKey, openConfiguredDatabase } from '../../runtime.ts';
import { findActiveApiKey, findMerchant, revokeApiKey } from '../../store/merchants.ts';
import { startAlipaySimulator, type AlipaySimulator } from '../alipay/server.ts';
import { cardAcquirerDefaultApiKey, startCardAcquirer, type CardAcquirer } from '../card-acquirer/server.ts';
import { startUnionpaySimulator, type UnionpaySimulator } from '../unionpay/server.ts';
import { startWechatPaySimulator, type WechatPaySimulator } from '../wechat-pay/server.ts';
import { planTraffic, slotMs, type Channel, type PlannedPayment, type QrChannel, type Step, type TrafficPlan } from './traffic-plan.ts';

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

export interface TrafficSummary {
  run: string;
  merchant: string;
  seed: number;
  from: string;
  to: string;
  payments: number;
  elapsed_seconds: number;
  payments_per_second: number;
  degraded: { channel: Channel; from: string; to: string };
  by_status: Record<string, number>;
  abandoned: number;
  cancellations_by_reason: Record<string, number>;
  by_channel: Record<string, { attempts: number; succeeded: number }>;
  decline_codes: Record<string, number>;
  refunds: number;
  ratings: number;
  /** Requests the API answered with 500 (a bug, never the simulated outage), the first few of them. */
  internal_errors: number;
  internal_error_samples: string[];
}

const concurrencyDefault = 16;
const mobileUserAgent = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile';
const requestTimeoutMs = 30_000;
/** Sweeps run for this many slots after the outage, while status queries and order closings catch up. */
const sweepTailSlots = 8;

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

/** A clock that a slot sets: it runs with real time from `baseMs`, never past `baseMs + spanMs`. */
class SlotClock implements Clock {
  private baseMs: number;
  private spanMs = 0;
  private realStartMs = performance.now();
  constructor(startMs: number) {
    this.baseMs = startMs;
  }
  nowMs(): number {
    return this.baseMs + Math.min(this.spanMs, Math.floor(performance.now() - this.realStartMs));
  }
  enter(baseMs: number, spanMs: number): void {
    this.baseMs = baseMs;
    this.spanMs = spanMs;
    this.realStartMs = performance.now();
  }
}

interface World {
  context: FlowContext;
  clock: SlotClock;
  apiBase: string;
  secretKey: string;
  publishableKey: string;
  acquirer: CardAcquirer;
  qr: { alipay: AlipaySimulator; wechat_pay: WechatPaySimulator; unionpay: UnionpaySimulator };
  run: string;
  /** Answers of 500 (not 503): each one is a bug in Paypilot, listed in the summary. */
  internalErrors: string[];
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
        if (key) await revokeApiKey(context.db, key.keyId, new Date(Date.now()));
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
// Playing the script, slot by slot.

async function playPlan(world: World, plan: TrafficPlan, customerIds: string[], concurrency: number, log: (line: string) => void): Promise<void> {
  const bySlot = new Map<number, PlannedPayment[]>();
  for (const payment of plan.payments) {
    const list = bySlot.get(payment.slot);
    if (list) list.push(payment);
    else bySlot.set(payment.slot, [payment]);
  }
  const { degraded } = plan;
  const { expirySweeps, querySweeps } = slotsToSweep(plan);
  let played = 0;
  let nextReport = 0.1;
  let breakerMayBeOpen = false;
  for (let slot = 0; slot < plan.slots; slot += 1) {
    const slotStartMs = plan.startMs + slot * slotMs;
    const degradedNow = slot >= degraded.fromSlot && slot < degraded.toSlot;
    if (degradedNow) await setOutage(world, degraded.channel, true);
    if (slot === degraded.toSlot) {
      await setOutage(world, degraded.channel, false);
      breakerMayBeOpen = true;
    }
    const payments = bySlot.get(slot) ?? [];
    const ids = new Map<number, string>();
    if (payments.length > 0) {
      world.clock.enter(slotStartMs, slotMs / 2 - 1);
      const play = async (payment: PlannedPayment) => {
        const id = await playPayment(world, payment, payment.customer === null ? null : (customerIds[payment.customer] ?? null));
        if (id) ids.set(payment.index, id);
      };
      // While the degraded channel's breaker opens, probes and closes, the payments that may call it go one at a time:
      // how many calls get through before it opens, and which one is the probe, must not depend on timing.
      const guarded = degradedNow || breakerMayBeOpen;
      const exposed = guarded ? payments.filter((payment) => mayCall(payment, degraded.channel)) : [];
      const others = guarded ? payments.filter((payment) => !mayCall(payment, degraded.channel)) : payments;
      await Promise.all([inPool(exposed, 1, play), inPool(others, concurrency, play)]);
    }
    if (breakerMayBeOpen && payments.some((payment) => callsFirst(payment, degraded.channel))) breakerMayBeOpen = false;
    if (expirySweeps.has(slot) || querySweeps.has(slot)) {
      world.clock.enter(slotStartMs + slotMs * 0.6, 0);
      await sweep(world.context, { queries: querySweeps.has(slot), expiry: expirySweeps.has(slot) });
    }
    const afterwards = payments.filter((p) => (p.refund !== null || p.feedback !== null) && ids.has(p.index));
    if (afterwards.length > 0) {
      world.clock.enter(slotStartMs + slotMs * 0.7, slotMs / 4);
      await inPool(afterwards, concurrency, (payment) => afterPayment(world, payment, ids.get(payment.index) ?? ''));
    }
    played += payments.length;
    if (played / plan.payments.length >= nextReport) {
      log(`  ${Math.round((played / plan.payments.length) * 100)} % (${played} payments, simulated ${new Date(slotStartMs).toISOString().slice(0, 16)}Z)`);
      nextReport += 0.1;
    }
  }
  world.clock.enter(plan.endMs, 0);
  await sweep(world.context, { queries: true, expiry: true });
}

/** Whether any step of the payment (its fallback included) may call the channel's provider. */
function mayCall(payment: PlannedPayment, channel: Channel): boolean {
  return [...payment.steps, ...payment.onProviderFailure].some((step) => (step.kind === 'card' ? channel === 'card' : step.kind === 'qr' && step.channel === channel));
}

/** Whether the payment's first step, which is always played, calls the channel's provider. */
function callsFirst(payment: PlannedPayment, channel: Channel): boolean {
  const first = payment.steps[0];
  return first !== undefined && (first.kind === 'card' ? channel === 'card' : first.kind === 'qr' && first.channel === channel);
}

/**
 * The slots whose sweeps can have work. Expiry: the slot where a payment
 * expires. Status queries: the slot of a payment that meets a provider's QR
 * code or a refund, and the next; the outage and the slots after it. Skipping
 * the others keeps a long history fast; a sweep that would find nothing
 * changes nothing, so which ones run never changes the outcome.
 */
function slotsToSweep(plan: TrafficPlan): { expirySweeps: Set<number>; querySweeps: Set<number> } {
  const expirySweeps = new Set<number>();
  const querySweeps = new Set<number>();
  for (const payment of plan.payments) {
    expirySweeps.add(payment.slot + (payment.expiresInSeconds * 1000) / slotMs);
    if (payment.refund !== null || [...payment.steps, ...payment.onProviderFailure].some((step) => step.kind === 'qr')) {
      querySweeps.add(payment.slot);
      querySweeps.add(payment.slot + 1);
    }
  }
  for (let slot = plan.degraded.fromSlot; slot <= plan.degraded.toSlot + sweepTailSlots; slot += 1) querySweeps.add(slot);
  return { expirySweeps, querySweeps };
}

/** What the worker's recurring jobs would have done by now, until there is nothing more to do (bounded). */
async function sweep(context: FlowContext, what: { queries: boolean; expiry: boolean }): Promise<void> {
  for (let round = 0; round < 50; round += 1) {
    const settled = what.queries ? await resolveUnknownOutcomes(context) : 0;
    const expired = what.expiry ? await expireAbandonedPayments(context) : 0;
    if (settled + expired === 0) return;
  }
}

async function setOutage(world: World, channel: Channel, on: boolean): Promise<void> {
  const url = channel === 'card' ? world.acquirer.url : world.qr[channel].url;
  const response = await fetch(`${url}/_control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(on ? { failNext: 10_000, failMode: channel === 'alipay' ? 'error_20000' : 'error_500' } : { failNext: 0 }),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  if (!response.ok) throw new Error(`the ${channel} simulator refused its faults: ${await response.text()}`);
}

/** Plays one payment's steps; answers its id. */
async function playPayment(world: World, payment: PlannedPayment, customerId: string | null): Promise<string | null> {
  const created = await call(
    world,
    'POST',
    '/v1/payments',
    {
      amount: payment.amount,
      currency: payment.currency,
      ...(customerId ? { customer: customerId } : {}),
      description: 'Simulated order',
      order: { reference: `SIM-${payment.index + 1}` },
      metadata: { simulation: world.run },
      expires_in_seconds: payment.expiresInSeconds,
    },
    { 'idempotency-key': `${world.run}-${payment.index}` },
  );
  if (created.status !== 200) throw new Error(`could not create a payment: ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  // The payer opens the hosted checkout; its page reports the view (the server records every later step itself).
  await call(world, 'POST', `/v1/payments/${id}/funnel_events`, { type: 'checkout_viewed' }, payment.mobile ? { 'user-agent': mobileUserAgent } : {});
  let steps = payment.steps;
  let failedOver = false;
  for (let i = 0; i < steps.length; i += 1) {
    const step = steps[i] as Step;
    const result = await playStep(world, id, created.body.client_secret as string, step);
    if (result === 'done') break;
    if (result === 'provider_failed' && !failedOver) {
      failedOver = true;
      steps = payment.onProviderFailure;
      i = -1;
    }
  }
  return id;
}

type StepResult = 'done' | 'declined' | 'provider_failed' | 'left';

async function playStep(world: World, id: string, clientSecret: string, step: Step): Promise<StepResult> {
  if (step.kind === 'cancel') {
    // The merchant cancels what it found fraudulent; every other reason is the payer's, given at the checkout's cancel button.
    if (step.reason === 'fraudulent') await call(world, 'POST', `/v1/payments/${id}/cancel`, { cancellation_reason: step.reason, comment: step.comment });
    else await call(world, 'POST', `/v1/payments/${id}/cancel`, { client_secret: clientSecret, cancellation_reason: step.reason, comment: step.comment }, { authorization: `Bearer ${world.publishableKey}` });
    return 'done';
  }
  if (step.kind === 'card') {
    const card = { number: step.number, exp_month: 12, exp_year: new Date(world.clock.nowMs()).getUTCFullYear() + 3, cvc: '123' };
    let answer = await call(world, 'POST', `/v1/payments/${id}/confirm`, { payment_method: { type: 'card', card } });
    if (answer.status === 200 && answer.body.next_action?.type === 'verify_otp') answer = await call(world, 'POST', `/v1/payments/${id}/confirm`, { otp: '000000' });
    return outcomeOf(answer);
  }
  return playQr(world, id, step);
}

async function playQr(world: World, id: string, step: Extract<Step, { kind: 'qr' }>): Promise<StepResult> {
  const headers: Record<string, string> = step.mobile ? { 'user-agent': mobileUserAgent } : {};
  const answer = await call(world, 'POST', `/v1/payments/${id}/confirm`, { payment_method: { type: step.channel } }, headers);
  const result = outcomeOf(answer);
  if (answer.status !== 200 || answer.body.status !== 'requires_action') return result;
  // The payer's browser opens the provider's page, as one following the redirect would.
  const redirect = answer.body.next_action?.redirect_to_url?.url as string | undefined;
  if (redirect) await fetch(redirect, { headers, signal: AbortSignal.timeout(requestTimeoutMs) }).then((page) => page.arrayBuffer());
  const attempts = await call(world, 'GET', `/v1/payments/${id}/attempts?limit=1`);
  const attemptId = attempts.body?.data?.[0]?.id as string | undefined;
  if (!attemptId) return 'left';
  payerActs(world, step.channel, orderNumberOf(attemptId), step.payer);
  return step.payer === 'pay' ? 'done' : step.payer === 'leave' ? 'left' : 'declined';
}

function payerActs(world: World, channel: QrChannel, orderNumber: string, action: 'pay' | 'leave' | 'decline'): void {
  try {
    if (channel === 'alipay') world.qr.alipay.payer(orderNumber)[action]();
    else if (channel === 'wechat_pay') world.qr.wechat_pay.payer(orderNumber)[action === 'decline' ? 'fail' : action]();
    else world.qr.unionpay.payer(orderNumber)[action]();
  } catch {
    // The order is not payable (it expired, or the page never opened it): the payer gives up, as a real one would.
  }
}

function outcomeOf(answer: ApiAnswer): StepResult {
  if (answer.status === 200) return answer.body.status === 'succeeded' || answer.body.status === 'requires_capture' || answer.body.status === 'processing' ? 'done' : 'left';
  const code = answer.body?.error?.code as string | undefined;
  if (answer.status >= 500 || code === 'connector_unavailable') return 'provider_failed';
  return 'declined';
}

/** Once the sweep has settled it: the payer rates the checkout of a final payment, and some paid ones are refunded. */
async function afterPayment(world: World, payment: PlannedPayment, id: string): Promise<void> {
  const current = await call(world, 'GET', `/v1/payments/${id}`);
  const status = current.body?.status as string | undefined;
  if (payment.feedback && (status === 'succeeded' || status === 'canceled')) {
    const { ratingIfSucceeded, ratingOtherwise, npsScore } = payment.feedback;
    await call(world, 'POST', `/v1/payments/${id}/feedback`, { rating: status === 'succeeded' ? ratingIfSucceeded : ratingOtherwise, ...(npsScore === null ? {} : { nps_score: npsScore }) });
  }
  if (status !== 'succeeded' || !payment.refund) return;
  const amount = payment.refund.share === 'full' ? undefined : Math.max(1, Math.floor(Number(current.body.amount_received) / 2));
  await call(world, 'POST', '/v1/refunds', { payment: id, reason: payment.refund.reason, ...(amount ? { amount } : {}) });
}

// ---------------------------------------------------------------------------
// HTTP and concurrency.

interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, read field by field
  body: any;
}

async function call(world: World, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const response = await fetch(`${world.apiBase}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${world.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(requestTimeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  // A 503 is a provider being down (the outage); a 500 is a bug of ours, and the summary says so.
  if (response.status === 500) world.internalErrors.push(`${method} ${pathname.replace(/\?.*/, '')}: ${text.slice(0, 200)}`);
  return { status: response.status, body: parsed };
}

/** Runs `work` over the items with at most `concurrency` at once; the first failure ends it. */
async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(runners);
}

// ---------------------------------------------------------------------------
// The summary, counted from the database.

async function summarize(world: World, plan: TrafficPlan, merchantId: string, elapsedSeconds: number): Promise<TrafficSummary> {
  const db = world.context.db;
  const tag = JSON.stringify({ simulation: world.run });
  const scope = sql`p.merchant_id = ${merchantId} and p.mode = 'test' and p.created_at >= ${new Date(plan.startMs)} and p.created_at < ${new Date(plan.endMs)} and p.metadata @> ${tag}::jsonb`;
  const statuses = await sql<{ status: string; reason: string | null; count: string }>`
    select p.status, p.cancellation_reason as reason, count(*)::text as count from payments p where ${scope} group by 1, 2`.execute(db);
  const attempts = await sql<{ method: string; status: string; code: string | null; count: string }>`
    select a.payment_method_type as method, a.status, coalesce(a.decline_code, a.error_code) as code, count(*)::text as count
      from payments p join payment_attempts a on a.payment_id = p.id
     where ${scope} and a.operation = 'authorize' group by 1, 2, 3`.execute(db);
  const refunds = await sql<{ count: string }>`
    select count(*)::text as count from payments p join refunds r on r.payment_id = p.id where ${scope}`.execute(db);
  const ratings = await sql<{ count: string }>`
    select count(*)::text as count from payments p join payment_feedback f on f.payment_id = p.id where ${scope}`.execute(db);
  const byStatus: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  for (const row of statuses.rows) {
    byStatus[row.status] = (byStatus[row.status] ?? 0) + Number(row.count);
    if (row.reason) byReason[row.reason] = (byReason[row.reason] ?? 0) + Number(row.count);
  }
  const byChannel: Record<string, { attempts: number; succeeded: number }> = {};
  const declines: Record<string, number> = {};
  for (const row of attempts.rows) {
    const channel = (byChannel[row.method] ??= { attempts: 0, succeeded: 0 });
    channel.attempts += Number(row.count);
    if (row.status === 'succeeded') channel.succeeded += Number(row.count);
    if (row.status === 'failed' && row.code) declines[row.code] = (declines[row.code] ?? 0) + Number(row.count);
  }
  const iso = (slot: number) => new Date(plan.startMs + slot * slotMs).toISOString();
  return {
    run: world.run,
    merchant: merchantId,
    seed: plan.seed,
    from: new Date(plan.startMs).toISOString(),
    to: new Date(plan.endMs).toISOString(),
    payments: plan.payments.length,
    elapsed_seconds: Math.round(elapsedSeconds * 10) / 10,
    payments_per_second: Math.round(plan.payments.length / Math.max(elapsedSeconds, 0.001)),
    degraded: { channel: plan.degraded.channel, from: iso(plan.degraded.fromSlot), to: iso(plan.degraded.toSlot) },
    by_status: sortedRecord(byStatus),
    abandoned: byReason.abandoned ?? 0,
    cancellations_by_reason: sortedRecord(byReason),
    by_channel: Object.fromEntries(Object.entries(byChannel).sort(([a], [b]) => (a < b ? -1 : 1))),
    decline_codes: sortedRecord(declines),
    refunds: Number(refunds.rows[0]?.count ?? 0),
    ratings: Number(ratings.rows[0]?.count ?? 0),
    internal_errors: world.internalErrors.length,
    internal_error_samples: world.internalErrors.slice(0, 5),
  };
}

function sortedRecord(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function formatSummary(summary: TrafficSummary): string {
  const pairs = (record: Record<string, number>) => Object.entries(record).map(([key, count]) => `${key} ${count}`).join(', ') || 'none';
  const channels = Object.entries(summary.by_channel)
    .map(([channel, c]) => `${channel} ${c.attempts} attempts, ${c.succeeded} succeeded (${c.attempts === 0 ? 0 : Math.round((c.succeeded / c.attempts) * 100)} %)`)
    .join('; ');
  return [
    `Simulated ${summary.payments} payments for ${summary.merchant} from ${summary.from} to ${summary.to} (seed ${summary.seed}, run ${summary.run})`,
    `  in ${summary.elapsed_seconds} s: ${summary.payments_per_second} payments per second`,
    `  payments by status: ${pairs(summary.by_status)} (abandoned ${summary.abandoned})`,
    `  cancellations by reason: ${pairs(summary.cancellations_by_reason)}`,
    `  attempts by channel: ${channels}`,
    `  failed attempts by code: ${pairs(summary.decline_codes)}`,
    `  refunds: ${summary.refunds}; checkout ratings: ${summary.ratings}`,
    `  degraded: ${summary.degraded.channel} failed every request from ${summary.degraded.from} to ${summary.degraded.to}`,
    ...(summary.internal_errors > 0 ? [`  ${summary.internal_errors} requests answered 500 (bugs to report):`, ...summary.internal_error_samples.map((line) => `    ${line}`)] : []),
    `Every payment carries metadata.simulation = "${summary.run}".`,
  ].join('\n');
}
