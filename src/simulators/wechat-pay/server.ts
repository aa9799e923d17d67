/**
 * A simulated WeChat Pay (API v3): a small HTTP service that plays WeChat's
 * side of the protocol in connectors/wechat-pay (orders, queries, closing,
 * refunds, the trade bill, signed answers and encrypted notifications with
 * resends), keeps its state in memory, and can be told to misbehave
 * (faults.ts).
 *
 *   const wechat = await startWechatPaySimulator({ notifyDelayScale: 0.001 });
 *   const credentials = wechat.registerMerchant();
 *   … wechat.payer('A1234567').pay(); wechat.setFaults({ forgeNotifications: true }) …
 *   await wechat.close();
 *
 * It generates its own platform key pair and serial; each registered merchant
 * gets a key pair whose public half it keeps to verify requests.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { assert } from '../../domain/assert.ts';
import type { Clock, RandomSource } from '../../domain/clock.ts';
import { cryptoRandom, systemClock } from '../../domain/clock.ts';
import { formatDecimal } from '../../domain/money.ts';
import type { WechatPayFaults } from './faults.ts';
import { faultsDefault, parseFaults } from './faults.ts';
import { createNotifier } from './notifier.ts';
import { apiRoutes, payOrder, payWithJsapi, findOrderByNumber, failOrder, resumeRefunds } from './routes.ts';
import { SimulatorStore, type Codec } from '../persistence/store.ts';
import type { Merchant, Order, PlatformCertificateRecord, SimulatorContext, WechatPayStats } from './state.ts';
import { selfSignedCertificate } from './certificate.ts';
import { newState, randomDigits, randomHex } from './state.ts';

export type { FailMode, WechatPayFaults } from './faults.ts';
export type { WechatPayStats } from './state.ts';
export { notifyResendDelaysMs } from './notifier.ts';

/** Above this many requests waiting at once (latency, late answers), Node warns of a listener leak. */
const concurrentWaitsMax = 10_000;

export interface WechatPaySimulatorOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  clock?: Clock;
  /** Multiplies the notification resend schedule (15 s, 15 s, 30 s, 3 m …); 1 by default. */
  notifyDelayScale?: number;
  /** How long a refund stays PROCESSING before it succeeds; 200 ms by default. (Not in the brief.) */
  refundSettleMs?: number;
  /** For ids, nonces and keys' names; defaults to node:crypto. */
  random?: RandomSource;
  /** Keeps its keys, merchants, orders, refunds and records in this directory across restarts; in memory only without it. */
  dataDir?: string;
}

/** What a merchant configures as its wechat_pay credentials. */
export interface WechatPayMerchantCredentials {
  mchid: string;
  appid: string;
  serial_no: string;
  private_key: string;
  apiv3_key: string;
  platform_public_key: string;
  platform_serial: string;
}

export interface WechatPayPayer {
  /** Pays the order: SUCCESS, and a TRANSACTION.SUCCESS notification. */
  pay(): void;
  /** The payment fails: PAYERROR (WeChat sends no notification for it). */
  fail(): void;
  /** The payer looks and leaves: the order stays NOTPAY. */
  leave(): void;
}

export interface WechatPaySimulator {
  /** `http://host:port`, without a trailing slash. */
  url: string;
  /** Ends promptly: stops resends, destroys held and late sockets. */
  close(): Promise<void>;
  registerMerchant(): WechatPayMerchantCredentials;
  /** The payer of the one order with this out_trade_no (throws when there is none, or several). */
  payer(orderNumber: string): WechatPayPayer;
  /**
   * Makes a new platform certificate (new key, new serial) and signs with it
   * from now on, as WeChat does ahead of a certificate's expiry; the old one
   * stays listed by /v3/certificates until it expires.
   */
  rotatePlatformCertificate(): { serial: string; pem: string };
  setFaults(faults: Partial<WechatPayFaults>): void;
  /**
   * WeChat's client, logged in as `openid`: `getBrandWCPayRequest` with the
   * page's JSAPI parameters, checked as the client checks them, then paid.
   * Over HTTP: `POST /jsapi/getBrandWCPayRequest` with `{openid, …parameters}`.
   */
  wechatClient(openid: string): { getBrandWCPayRequest(parameters: Record<string, unknown>): { err_msg: string; reason?: string } };
  stats(): WechatPayStats;
  /** Forgets orders, refunds, bills, counters and pending notifications, and clears the faults; merchants stay. */
  reset(): void;
}

/** 40 upper-case hex digits, as WeChat's certificate serials; never starting 00 (a certificate's serial is an INTEGER). */
function newSerial(random: RandomSource): string {
  const bytes = random.bytes(20);
  bytes[0] = (bytes[0] ?? 0) | 0x10;
  return bytes.toString('hex').toUpperCase();
}

export async function startWechatPaySimulator(options: WechatPaySimulatorOptions = {}): Promise<WechatPaySimulator> {
  const notifyDelayScale = options.notifyDelayScale ?? 1;
  assert(Number.isFinite(notifyDelayScale) && notifyDelayScale >= 0, 'notifyDelayScale must be a non-negative number');
  const refundSettleMs = options.refundSettleMs ?? 200;
  assert(Number.isSafeInteger(refundSettleMs) && refundSettleMs >= 0, 'refundSettleMs must be a non-negative integer');
  const closing = new AbortController();
  // Every waiting request listens on this one signal; many may wait at once.
  setMaxListeners(concurrentWaitsMax, closing.signal);
  const random = options.random ?? cryptoRandom;
  const store = SimulatorStore.open(options.dataDir, 'wechat-pay');
  const clock = options.clock ?? systemClock;
  const keys = keptKeys(store, random);
  const certificates = keptCertificates(keys, clock, random);
  const newest = certificates.at(-1) as PlatformCertificateRecord;
  const timers = new Set<NodeJS.Timeout>();
  const context: SimulatorContext = {
    state: newState(store, clock),
    store,
    faults: { ...faultsDefault },
    merchants: store.map('merchant', merchantCodec),
    platform: { serial: newest.serial, privateKey: createPrivateKey(newest.privateKeyPem), publicKeyPem: publicPemOf(newest.privateKeyPem) },
    platformCertificates: certificates,
    forgerKey: createPrivateKey(keys.forgerKey),
    clock,
    random,
    notifyDelayScale,
    refundSettleMs,
    url: '',
    sleep: (ms) => (ms === 0 ? Promise.resolve() : delay(ms, undefined, { signal: closing.signal }).catch(never)),
    later(ms, task) {
      if (closing.signal.aborted) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        task();
      }, ms);
      timers.add(timer);
    },
    closing: closing.signal,
  };
  const cancelTimers = (): void => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
  const notifier = createNotifier(context);
  const reset = (): void => {
    cancelTimers();
    // Merchants and keys stay; everything else is forgotten, on disk too.
    const merchants = [...context.merchants.entries()];
    store.clear();
    keptKeys(store, random, keys);
    context.merchants = store.map('merchant', merchantCodec);
    for (const [mchid, merchant] of merchants) context.merchants.set(mchid, merchant);
    context.state = newState(store, clock);
    context.faults = { ...faultsDefault };
  };
  resumeRefunds(context, notifier);
  const rotatePlatformCertificate = (): { serial: string; pem: string } => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const record = certificateRecord(newSerial(context.random), privateKey, clock.nowMs());
    certificates.push(record);
    // Answers and notifications are signed with the new key from now on; the old certificate is still served and valid.
    Object.assign(context.platform, { serial: record.serial, privateKey, publicKeyPem: publicPemOf(record.privateKeyPem) });
    store.flush();
    return { serial: record.serial, pem: record.pem };
  };
  const app = buildWechatPayApp(context, notifier, reset, rotatePlatformCertificate);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  assert(address !== null && typeof address === 'object', 'the WeChat Pay simulator listens on a TCP port');
  context.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  const orderOf = (orderNumber: string): Order => {
    const found = findOrderByNumber(context.state, orderNumber);
    assert(found.length === 1, `${found.length} orders numbered ${orderNumber}`);
    return found[0] as Order;
  };

  return {
    url: context.url,
    async close() {
      closing.abort(); // ends waits and in-flight notifications
      cancelTimers(); // no resend, refund settlement or held notification runs after this
      await app.close(); // forceCloseConnections destroys held sockets
      store.close();
    },
    registerMerchant: () => registerMerchant(context),
    payer(orderNumber) {
      return {
        pay: () => assertDone(payOrder(context, notifier, orderOf(orderNumber))),
        fail: () => assertDone(failOrder(context, orderOf(orderNumber))),
        leave: () => assert(orderOf(orderNumber).tradeState === 'NOTPAY', 'the payer leaves an unpaid order'),
      };
    },
    rotatePlatformCertificate,
    setFaults(faults) {
      const parsed = parseFaults(faults);
      assert(!('error' in parsed), `invalid faults: ${'error' in parsed ? parsed.error : ''}`);
      Object.assign(context.faults, parsed);
    },
    wechatClient: (openid) => ({ getBrandWCPayRequest: (parameters) => payWithJsapi(context, notifier, openid, parameters) }),
    stats: () => ({ ...context.state.stats }),
    reset,
  };
}

function registerMerchant(context: SimulatorContext): WechatPayMerchantCredentials {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const merchant: Merchant = {
    mchid: `19${randomDigits(context, 8)}`,
    appid: `wx${context.random.bytes(8).toString('hex')}`,
    serialNo: newSerial(context.random),
    publicKey: keys.publicKey,
    apiv3Key: randomHex(context, 16),
  };
  context.merchants.set(merchant.mchid, merchant);
  return {
    mchid: merchant.mchid,
    appid: merchant.appid,
    serial_no: merchant.serialNo,
    private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    apiv3_key: merchant.apiv3Key,
    platform_public_key: context.platform.publicKeyPem,
    platform_serial: context.platform.serial,
  };
}

/** Merchants as JSON: the public key as PEM. */
const merchantCodec: Codec<Merchant> = {
  encode: (merchant) => ({ ...merchant, publicKey: merchant.publicKey.export({ type: 'spki', format: 'pem' }).toString() }),
  decode(json) {
    const kept = json as Omit<Merchant, 'publicKey'> & { publicKey: string };
    return { ...kept, publicKey: createPublicKey(kept.publicKey) };
  },
};

interface KeptKeys {
  serial: string;
  privateKey: string;
  publicKey: string;
  forgerKey: string;
  /** Added later than the rest: absent in older data directories. */
  certificates?: PlatformCertificateRecord[];
}

/** The platform's key pair and serial, and the forger's key: made once and kept, so merchants' copies stay valid across restarts. */
function keptKeys(store: SimulatorStore, random: RandomSource, existing?: KeptKeys): KeptKeys {
  return store.object<KeptKeys>('keys', () => {
    if (existing) return existing;
    const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      serial: newSerial(random),
      privateKey: platform.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKey: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      forgerKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  });
}

/** WeChat's platform certificates are valid for 5 years. */
const certificateValidMs = 5 * 365 * 24 * 60 * 60 * 1000;

function certificateRecord(serial: string, privateKey: KeyObject, nowMs: number): PlatformCertificateRecord {
  const certificate = selfSignedCertificate({ serial, privateKey, commonName: 'Tenpay.com platform (simulated)', notBeforeMs: nowMs - 60_000, notAfterMs: nowMs + certificateValidMs });
  return { ...certificate, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function publicPemOf(privateKeyPem: string): string {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
}

/** The platform certificates, kept with the keys; a data directory from before certificates gets one for its existing key and serial. */
function keptCertificates(keys: KeptKeys, clock: Clock, random: RandomSource): PlatformCertificateRecord[] {
  // A serial starting 00 cannot be a certificate's (one in 256 of the serials made before certificates): such a platform gets a new one.
  const serial = keys.serial.startsWith('00') ? newSerial(random) : keys.serial;
  keys.certificates ??= [certificateRecord(serial, createPrivateKey(keys.privateKey), clock.nowMs())];
  return keys.certificates;
}

function assertDone(result: string | null): void {
  assert(result === null, result ?? '');
}

/** Once the server is closing, a waiting request must not go on to answer: it waits, and close() destroys its socket. */
function never(): Promise<never> {
  return new Promise<never>(() => {});
}

/** Kept apart from listen(), so it could also be driven with app.inject(). */
function buildWechatPayApp(
  context: SimulatorContext,
  notifier: ReturnType<typeof createNotifier>,
  reset: () => void,
  rotate: () => { serial: string; pem: string },
): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 64 * 1024 });
  // Before any answer leaves (and before /v3's own onSend delays it), what was done is on disk.
  app.addHook('onSend', async () => context.store.flush());
  app.register(async (v3) => apiRoutes(v3, context, notifier), { prefix: '/v3' });
  app.register(async (control) => {
    control.post('/faults', async (request, reply) => {
      const parsed = parseFaults(request.body ?? {});
      if ('error' in parsed) return reply.code(400).send({ code: 'PARAM_ERROR', message: parsed.error });
      Object.assign(context.faults, parsed);
      return reply.send({ ...context.faults });
    });
    control.post('/reset', async (_request, reply) => {
      reset();
      return reply.send({});
    });
    control.get('/stats', async (_request, reply) => reply.send({ ...context.state.stats }));
    control.get('/records', async (_request, reply) => reply.send(context.state.records.report()));
    // For a simulator run as a process of its own: a merchant account's credentials, over HTTP.
    control.post('/merchants', async (_request, reply) => reply.send(registerMerchant(context)));
    // A new platform certificate signs from now on (the old one stays listed): what a merchant's certificate refresh must follow.
    control.post('/rotate-certificate', async (_request, reply) => reply.send(rotate()));
  }, { prefix: '/_control' });
  payerPage(app, context, notifier);
  // WeChat's client, for a page that runs inside WeChat (JSAPI): the bridge call, checked and paid.
  app.post<{ Body: unknown }>('/jsapi/getBrandWCPayRequest', async (request, reply) => {
    const body = request.body;
    const openid = typeof body === 'object' && body !== null && typeof (body as { openid?: unknown }).openid === 'string' ? (body as { openid: string }).openid : null;
    if (openid === null) return reply.code(400).send({ err_msg: 'get_brand_wcpay_request:fail', reason: 'openid of the WeChat user missing' });
    return reply.send(payWithJsapi(context, notifier, openid, body as Record<string, unknown>));
  });
  return app;
}

// ---------------------------------------------------------------------------
// The payer's page: what the QR code (code_url) and the H5 link open.

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

interface PayerQuery {
  mchid?: string;
  /** H5 only: where WeChat returns the payer after the payment (h5_url + `&redirect_url=`, URL-encoded). */
  redirect_url?: string;
}

/** A redirect_url the payer may be sent to: http(s) only, never a javascript: or data: address. */
function returnAddress(url: string | undefined): string | null {
  if (url === undefined || url.length > 2048) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function payerPage(app: FastifyInstance, context: SimulatorContext, notifier: ReturnType<typeof createNotifier>): void {
  // The page's buttons post forms; their fields are not needed, the path says it all.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, _body, done) => done(null, {}));
  const lookUp = (orderNumber: string, mchid: string | undefined): Order | undefined =>
    findOrderByNumber(context.state, orderNumber).find((order) => mchid === undefined || order.mchid === mchid);

  app.get<{ Params: { orderNumber: string }; Querystring: PayerQuery }>('/pay/:orderNumber', async (request, reply) => {
    const order = lookUp(request.params.orderNumber, request.query.mchid);
    reply.type('text/html; charset=utf-8');
    if (order === undefined) return reply.code(404).send(page('订单不存在', '<p>订单不存在 (no such order)</p>'));
    const back = returnAddress(request.query.redirect_url);
    const query = `mchid=${order.mchid}${back === null ? '' : `&redirect_url=${encodeURIComponent(back)}`}`;
    const action = (name: string, label: string) =>
      `<form method="post" action="/pay/${encodeURIComponent(order.outTradeNo)}/${name}?${escapeHtml(query)}"><button type="submit" name="action" value="${name}">${label}</button></form>`;
    return reply.send(
      page(
        '微信支付',
        `<h1>微信支付 (simulated)</h1><p class="description">${escapeHtml(order.description)}</p>` +
          `<p class="amount">¥${formatDecimal(BigInt(order.totalFen), 'CNY')}</p><p class="state">${order.tradeState}</p>` +
          action('pay', '支付 Pay') + action('fail', '支付失败 Fail') + action('leave', '离开 Leave'),
      ),
    );
  });

  app.post<{ Params: { orderNumber: string; action: string }; Querystring: PayerQuery }>(
    '/pay/:orderNumber/:action',
    async (request, reply) => {
      const order = lookUp(request.params.orderNumber, request.query.mchid);
      reply.type('text/html; charset=utf-8');
      if (order === undefined) return reply.code(404).send(page('订单不存在', '<p>订单不存在</p>'));
      const { action } = request.params;
      const refusal =
        action === 'pay' ? payOrder(context, notifier, order) : action === 'fail' ? failOrder(context, order) : action === 'leave' ? null : 'unknown action';
      if (refusal !== null) return reply.code(409).send(page('无法完成', `<p>${escapeHtml(refusal)}</p>`));
      // H5: WeChat takes the payer back to the merchant's redirect_url whatever happened; the merchant's page asks for the outcome.
      const back = returnAddress(request.query.redirect_url);
      if (back !== null) return reply.redirect(back, 303);
      return reply.send(page('微信支付', `<p class="state">${order.tradeState}</p>`));
    },
  );
}
