/**
 * A simulated Alipay Open Platform: the gateway (`/gateway.do`) speaking the
 * real protocol (connectors/alipay), a payer page the QR code and the redirect
 * point at, signed notifications with Alipay's resend schedule, bill
 * downloads, and fault injection (faults.ts). State is kept in the data
 * directory when one is given (persistence/), in memory otherwise.
 *
 *   const alipay = await startAlipaySimulator({ notifyDelayScale: 0.0001 });
 *   const credentials = alipay.registerMerchant();
 *   … alipay.payer(orderNumber).pay(); alipay.setFaults({ failNext: 1, failMode: 'timeout' }) …
 *   await alipay.close();
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { requestSigningString, signRsa2, verifyRsa2 } from '../../connectors/alipay/signature.ts';
import type { AlipayMethod, BrowserMethod } from '../../connectors/alipay/wire.ts';
import { alipayMethods, browserMethods, clientMethods, errorResponseMemberName, productCodes, responseMemberName, subCodes } from '../../connectors/alipay/wire.ts';
import { assert } from '../../domain/assert.ts';
import type { Clock } from '../../domain/clock.ts';
import { systemClock } from '../../domain/clock.ts';
import { formatDecimal } from '../../domain/money.ts';
import type { AlipayFaults } from './faults.ts';
import { faultsDefault, parseFaults, takeFailure } from './faults.ts';
import { createNotifier } from './notifications.ts';
import { SimulatorStore, type Codec } from '../persistence/store.ts';
import type { AlipayStats, Merchant, MethodContext, MethodResult, Trade } from './trades.ts';
import { close, createTrade, invalidArguments, newState, payerPageUrl, precreate, query, refund, refundQuery, settle, tradeCreate } from './trades.ts';
import { billDownloadUrl } from './bills.ts';
import { payInApp, payInMiniProgram, type AppPayResult, type ClientAction, type MiniProgramBuyer, type TradePayResult } from './clients.ts';
import { type Context } from './context.ts';
import { notifyRefund, payerActs, returnUrlAfterPaying, type PayerAction } from './payer.ts';

export type { AlipayFaults, FailMode } from './faults.ts';
export type { AlipayStats } from './trades.ts';

export interface AlipaySimulatorOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** For timestamps, payment times, time_expire and bill days. Resend timers run on real time. */
  clock?: Clock;
  /** Multiplies the resend intervals (4m, 10m …); defaults to 1. */
  notifyDelayScale?: number;
  /** Keeps its keys, merchants, trades and records in this directory across restarts; in memory only without it. */
  dataDir?: string;
}

export interface AlipayMerchantCredentials {
  app_id: string;
  /** The merchant's app private key (PKCS#8 PEM). */
  private_key: string;
  /** The simulator's Alipay public key (SPKI PEM). */
  alipay_public_key: string;
  seller_id: string;
}

export interface SimulatedPayer {
  /** The payer pays: TRADE_SUCCESS, and the notification is sent. */
  pay(): void;
  /** The payer refuses: the trade closes, and a TRADE_CLOSED notification is sent. */
  decline(): void;
  /** The payer opens the trade and goes away: it stays WAIT_BUYER_PAY. */
  leave(): void;
}

export interface AlipaySimulator {
  /** `http://host:port`, without a trailing slash; the gateway base for accounts. */
  url: string;
  close(): Promise<void>;
  registerMerchant(): AlipayMerchantCredentials;
  /**
   * An app whose key pair the merchant made, as at Alipay's open platform,
   * where the merchant uploads its app public key (SPKI PEM) and keeps the
   * private key: requests it signs are verified with that key.
   */
  registerApp(app: { appId: string; appPublicKey: string }): Omit<AlipayMerchantCredentials, 'private_key'>;
  /** Acts for the payer of an order the merchant created; asserts that it exists. */
  payer(orderNumber: string): SimulatedPayer;
  /** Acts as Alipay's app SDK given an app.pay order string: the payer pays (or cancels, or fails) in Alipay, and the SDK's result comes back. */
  payInApp(orderString: string, action?: ClientAction): AppPayResult;
  /** Acts as a mini program's my.tradePay({ tradeNO }) for the payer signed in to it. */
  payInMiniProgram(request: { tradeNo: string; miniProgramAppId: string; buyer: MiniProgramBuyer; action?: ClientAction }): TradePayResult;
  setFaults(faults: Partial<AlipayFaults>): void;
  stats(): AlipayStats;
  /** Forgets trades, bills, counters and faults; registered merchants stay. */
  reset(): void;
}

/** Above this many requests waiting at once (latency, late answers), Node warns of a listener leak. */
const concurrentWaitsMax = 10_000;
const bodyBytesMax = 64 * 1024;

export async function startAlipaySimulator(options: AlipaySimulatorOptions = {}): Promise<AlipaySimulator> {
  const closing = new AbortController();
  setMaxListeners(concurrentWaitsMax, closing.signal);
  const store = SimulatorStore.open(options.dataDir, 'alipay');
  const clock = options.clock ?? systemClock;
  const alipayKeys = keptKeyPair(store, 'alipay_keys');
  const forgerKeys = keptKeyPair(store, 'forger_keys');
  const faults: AlipayFaults = { ...faultsDefault };
  let state = newState(store.map('merchant', merchantCodec), store, clock);
  const context: Context = {
    get state() {
      return state;
    },
    set state(next) {
      state = next;
    },
    faults,
    store,
    clock,
    alipayPrivateKey: alipayKeys.privateKey,
    alipayPublicKeyPem: alipayKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    notifier: createNotifier({
      alipayPrivateKey: alipayKeys.privateKey,
      forgerPrivateKey: forgerKeys.privateKey,
      delayScale: options.notifyDelayScale ?? 1,
      faults: () => faults,
      stats: () => state.stats,
    }),
    baseUrl: '',
    sleep: (ms) => (ms === 0 ? Promise.resolve() : delay(ms, undefined, { signal: closing.signal }).catch(never)),
  };
  const app = buildAlipayApp(context);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  assert(address !== null && typeof address === 'object', 'the Alipay simulator listens on a TCP port');
  context.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  return {
    url: context.baseUrl,
    async close() {
      context.notifier.stop();
      closing.abort();
      await app.close();
      store.close();
    },
    registerMerchant: () => registerMerchant(context),
    registerApp(app) {
      assert(/^\d{16}$/.test(app.appId), 'an Alipay app_id is 16 digits');
      const merchant: Merchant = { appId: app.appId, sellerId: `2088${app.appId.slice(-12)}`, appPublicKey: createPublicKey(app.appPublicKey) };
      context.state.merchants.set(merchant.appId, merchant);
      return { app_id: merchant.appId, alipay_public_key: context.alipayPublicKeyPem, seller_id: merchant.sellerId };
    },
    payer(orderNumber) {
      const trade = () => {
        const found = context.state.trades.get(orderNumber);
        assert(found !== undefined, `no trade ${orderNumber} at the Alipay simulator`);
        return found;
      };
      return {
        pay: () => payerActs(context, trade(), 'pay'),
        decline: () => payerActs(context, trade(), 'decline'),
        leave: () => payerActs(context, trade(), 'leave'),
      };
    },
    payInApp: (orderString, action = 'pay') => payInApp(clientContext(context), orderString, action),
    payInMiniProgram: ({ tradeNo, miniProgramAppId, buyer, action = 'pay' }) => payInMiniProgram(clientContext(context), { tradeNo, miniProgramAppId, buyer, action }),
    setFaults(next) {
      const parsed = parseFaults(next);
      assert(!('error' in parsed), `invalid faults: ${'error' in parsed ? parsed.error : ''}`);
      Object.assign(context.faults, parsed);
    },
    stats: () => ({ ...context.state.stats }),
    reset() {
      const merchants = [...context.state.merchants.entries()];
      store.clear();
      const kept = store.map('merchant', merchantCodec);
      for (const [appId, merchant] of merchants) kept.set(appId, merchant);
      keptKeyPair(store, 'alipay_keys', alipayKeys);
      keptKeyPair(store, 'forger_keys', forgerKeys);
      context.state = newState(kept, store, clock);
      Object.assign(context.faults, faultsDefault);
    },
  };
}

function never(): Promise<never> {
  return new Promise<never>(() => {});
}

/** Merchants as JSON: the app's public key as PEM. */
const merchantCodec: Codec<Merchant> = {
  encode: (merchant) => ({ appId: merchant.appId, sellerId: merchant.sellerId, appPublicKey: merchant.appPublicKey.export({ type: 'spki', format: 'pem' }).toString() }),
  decode(json) {
    const kept = json as { appId: string; sellerId: string; appPublicKey: string };
    return { appId: kept.appId, sellerId: kept.sellerId, appPublicKey: createPublicKey(kept.appPublicKey) };
  },
};

/** A key pair made once and kept in the store, so merchants' copies of the public key stay valid across restarts. */
function keptKeyPair(store: SimulatorStore, kind: string, existing?: { privateKey: KeyObject; publicKey: KeyObject }): { privateKey: KeyObject; publicKey: KeyObject } {
  const pair = existing ?? generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kept = store.object(kind, () => ({
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }));
  return { privateKey: createPrivateKey(kept.privateKey), publicKey: createPublicKey(kept.publicKey) };
}

function registerMerchant(context: Context): AlipayMerchantCredentials {
  const appKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const digits = (count: number): string => Array.from(randomBytes(count), (byte) => byte % 10).join('');
  const merchant: Merchant = { appId: `2021${digits(12)}`, sellerId: `2088${digits(12)}`, appPublicKey: appKeys.publicKey };
  context.state.merchants.set(merchant.appId, merchant);
  return {
    app_id: merchant.appId,
    private_key: appKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    alipay_public_key: context.alipayPublicKeyPem,
    seller_id: merchant.sellerId,
  };
}

// ---------------------------------------------------------------------------
// The HTTP side.

/** What the simulated app SDK and mini program need of the simulator. */
function clientContext(context: Context) {
  return {
    state: context.state,
    nowMs: context.clock.nowMs(),
    alipayPrivateKey: context.alipayPrivateKey,
    checkRequest: (params: Record<string, string>) => checkRequest(context, params),
    methodContext: (merchant: Merchant, biz: Record<string, unknown>, params: Record<string, string>) => methodContext(context, merchant, biz, params),
    payerActs: (trade: Trade, action: PayerAction) => payerActs(context, trade, action),
  };
}

function buildAlipayApp(context: Context): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: bodyBytesMax });
  // Before any answer leaves, what was done is on disk.
  app.addHook('onSend', async () => context.store.flush());
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, formFields(body as string));
  });

  /*
   * The official SDK posts the common parameters in the URL's query and the
   * rest (biz_content, alipay_sdk) in the form body; both are read, as Alipay
   * does. page.pay and wap.pay come this way too, from the SDK's
   * auto-submitting form.
   */
  app.post('/gateway.do', async (request, reply) => {
    const params = { ...formFields(new URL(request.url, 'http://x').search), ...(request.body as Record<string, string> | undefined) };
    if (isBrowserMethod(params.method)) return openCashier(context, params, reply, 303);
    return answerGateway(context, params, reply);
  });

  // page.pay and wap.pay as a link (the SDK's GET): the payer's browser brings the signed request.
  app.get('/gateway.do', async (request, reply) => {
    const params = formFields(new URL(request.url, 'http://x').search);
    if (!isBrowserMethod(params.method)) return reply.code(400).type('text/plain').send('only alipay.trade.page.pay and alipay.trade.wap.pay are browser requests');
    return openCashier(context, params, reply, 302);
  });

  app.get<{ Params: { orderNumber: string } }>('/pay/:orderNumber', async (request, reply) => {
    const trade = context.state.trades.get(request.params.orderNumber);
    if (trade === undefined) return reply.code(404).type('text/plain').send('no such order');
    trade.opened = true;
    settle(trade, context.clock.nowMs());
    return reply.type('text/html; charset=utf-8').send(payerPage(trade));
  });

  app.post<{ Params: { orderNumber: string; action: string } }>('/pay/:orderNumber/:action', async (request, reply) => {
    const trade = context.state.trades.get(request.params.orderNumber);
    const action = request.params.action;
    if (trade === undefined || (action !== 'pay' && action !== 'decline' && action !== 'leave')) {
      return reply.code(404).type('text/plain').send('no such order or action');
    }
    payerActs(context, trade, action);
    // Back to the merchant, as Alipay's cashier does: after paying to return_url, on leaving to quit_url.
    const back = trade.status === 'TRADE_SUCCESS' ? returnUrlAfterPaying(context, trade) : action === 'pay' ? null : (trade.quitUrl ?? null);
    if (back !== null) return reply.redirect(back, 303);
    return reply.type('text/html; charset=utf-8').send(payerPage(trade));
  });

  // The bill archive behind bill_download_url, found by its token as Alipay's billing host does.
  app.get('/downloadBillFile.resource', async (request, reply) => {
    const token = new URL(request.url, 'http://x').searchParams.get('token') ?? '';
    const archive = context.state.bills.get(token);
    if (archive === undefined) return reply.code(404).type('text/plain').send('no such bill');
    return reply.type('application/octet-stream').header('content-disposition', 'attachment').send(archive);
  });

  /*
   * Alipay's side of its clients, for a demo app or a test: the app SDK given
   * an order string (`{order_string, action}`, form or JSON), and a mini
   * program's my.tradePay (`{trade_no, mini_program_app_id, buyer_id |
   * buyer_open_id, action}`). Each answers what the client would get back.
   */
  app.post('/client/app_pay', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const action = clientAction(body.action);
    if (typeof body.order_string !== 'string' || action === null) return reply.code(400).send({ error: 'order_string and an action (pay, decline, leave) are required' });
    return reply.send(payInApp(clientContext(context), body.order_string, action));
  });
  app.post('/client/trade_pay', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const action = clientAction(body.action);
    const read = (name: string): string | null => (typeof body[name] === 'string' && body[name] !== '' ? (body[name] as string) : null);
    const tradeNo = read('trade_no');
    const miniProgramAppId = read('mini_program_app_id');
    const buyer = { buyerId: read('buyer_id'), buyerOpenId: read('buyer_open_id') };
    if (tradeNo === null || miniProgramAppId === null || action === null) return reply.code(400).send({ error: 'trade_no, mini_program_app_id and an action are required' });
    return reply.send(payInMiniProgram(clientContext(context), { tradeNo, miniProgramAppId, buyer, action }));
  });

  app.post('/_control/faults', async (request, reply) => {
    const parsed = parseFaults(request.body ?? {});
    if ('error' in parsed) return reply.code(400).send({ error: parsed.error });
    Object.assign(context.faults, parsed);
    return reply.send({ ...context.faults });
  });
  app.get('/_control/stats', async (_request, reply) => reply.send({ ...context.state.stats }));
  app.get('/_control/records', async (_request, reply) => reply.send(context.state.records.report()));
  // For a simulator run as a process of its own: a merchant account's credentials, over HTTP.
  app.post('/_control/merchants', async (_request, reply) => reply.send(registerMerchant(context)));
  return app;
}

function formFields(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

function clientAction(value: unknown): ClientAction | null {
  if (value === undefined) return 'pay';
  return value === 'pay' || value === 'decline' || value === 'leave' ? value : null;
}

function isBrowserMethod(method: string | undefined): method is BrowserMethod {
  return (browserMethods as readonly (string | undefined)[]).includes(method);
}

/** A page.pay or wap.pay request: the trade is made (or found again) and opened, and the payer is sent to the cashier. */
function openCashier(context: Context, params: Record<string, string>, reply: FastifyReply, status: 302 | 303): FastifyReply {
  const result = checkRequest(context, params);
  if (!result.ok) return reply.code(400).type('text/plain; charset=utf-8').send(`${result.error.sub_code}: ${result.error.sub_msg}`);
  const method = params.method as BrowserMethod;
  const trade = createTrade(methodContext(context, result.merchant, result.biz, params), productCodes[method], true);
  if (!('tradeNo' in trade)) return reply.code(400).type('text/plain; charset=utf-8').send(`${trade.sub_code}: ${trade.sub_msg}`);
  return reply.redirect(payerPageUrl(context.baseUrl, trade.outTradeNo), status);
}

const handlers: Record<Exclude<AlipayMethod, (typeof clientMethods)[number]>, (context: MethodContext) => MethodResult> = {
  'alipay.trade.precreate': precreate,
  'alipay.trade.create': tradeCreate,
  'alipay.trade.query': query,
  'alipay.trade.close': close,
  'alipay.trade.refund': refund,
  'alipay.trade.fastpay.refund.query': refundQuery,
  'alipay.data.dataservice.bill.downloadurl.query': billDownloadUrl,
};

async function answerGateway(context: Context, params: Record<string, string>, reply: FastifyReply): Promise<FastifyReply> {
  context.state.stats.requests += 1;
  await context.sleep(context.faults.latencyMs);
  const failure = takeFailure(context.faults);
  if (failure?.mode === 'error_500') return reply.code(500).type('text/html').send('<html><body>500 Internal Server Error</body></html>');
  if (failure?.mode === 'timeout') return never();
  const method = params.method ?? '';
  // A method the payer's client carries (page.pay, wap.pay, app.pay) is not one the gateway answers a server.
  const known = (alipayMethods as readonly string[]).includes(method) && !(clientMethods as readonly string[]).includes(method);
  const member = known ? responseMemberName(method) : errorResponseMemberName;
  let result: MethodResult;
  const checked = checkRequest(context, params);
  if (failure?.mode === 'error_20000') result = { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙' };
  else if (!checked.ok) result = checked.error;
  else if (!known) result = invalidArguments(subCodes.invalidMethod, '不存在的方法名');
  else {
    const handler = handlers[method as keyof typeof handlers];
    result = handler(methodContext(context, checked.merchant, checked.biz, params));
  }
  if (failure?.mode === 'respond_late') await context.sleep(failure.lateMs);
  return sendSigned(context, reply, member, result);
}

/** The merchant and the business parameters of a correctly signed request, or Alipay's error. */
function checkRequest(
  context: Context,
  params: Record<string, string>,
): { ok: true; merchant: Merchant; biz: Record<string, unknown> } | { ok: false; error: MethodResult } {
  const refuse = (error: MethodResult) => ({ ok: false as const, error });
  const merchant = context.state.merchants.get(params.app_id ?? '');
  if (merchant === undefined) return refuse(invalidArguments(subCodes.invalidAppId, '无效的AppID参数'));
  if (params.sign_type !== 'RSA2' || !verifyRsa2(requestSigningString(params), params.sign ?? '', merchant.appPublicKey)) {
    context.state.stats.invalidSignatures += 1;
    return refuse(invalidArguments(subCodes.invalidSignature, '验签出错'));
  }
  let biz: unknown;
  try {
    biz = JSON.parse(params.biz_content ?? '');
  } catch {
    return refuse(invalidArguments('isv.invalid-parameter', 'biz_content is not JSON'));
  }
  if (typeof biz !== 'object' || biz === null || Array.isArray(biz)) {
    return refuse(invalidArguments('isv.invalid-parameter', 'biz_content is not an object'));
  }
  return { ok: true, merchant, biz: biz as Record<string, unknown> };
}

function methodContext(context: Context, merchant: Merchant, biz: Record<string, unknown>, params: Record<string, string>): MethodContext {
  return {
    state: context.state,
    merchant,
    biz,
    notifyUrl: params.notify_url === undefined || params.notify_url === '' ? null : params.notify_url,
    returnUrl: params.return_url === undefined || params.return_url === '' ? null : params.return_url,
    nowMs: context.clock.nowMs(),
    baseUrl: context.baseUrl,
    refunded: (trade, refund) => notifyRefund(context, trade, refund),
  };
}

/** `{"<member>":{…},"sign":"…"}`, the signature over the exact text of the member's value. */
function sendSigned(context: Context, reply: FastifyReply, member: string, result: MethodResult): FastifyReply {
  const inner = JSON.stringify(result);
  const sign = signRsa2(inner, context.alipayPrivateKey);
  return reply.code(200).type('application/json;charset=utf-8').send(`{"${member}":${inner},"sign":"${sign}"}`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function payerPage(trade: Trade): string {
  const base = `/pay/${encodeURIComponent(trade.outTradeNo)}`;
  const button = (action: PayerAction, label: string): string =>
    `<form method="post" action="${base}/${action}"><button type="submit" name="action" value="${action}">${label}</button></form>`;
  const open = trade.status === 'WAIT_BUYER_PAY';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>支付宝 (simulated)</title></head>
<body>
<h1>支付宝 · Alipay (simulated)</h1>
<p>订单 ${escapeHtml(trade.outTradeNo)}: ${escapeHtml(trade.subject)}</p>
<p>金额 ¥<strong>${formatDecimal(trade.totalAmount, 'CNY')}</strong></p>
<p>状态 <span id="status">${trade.status}</span></p>
${open ? `${button('pay', 'Pay 付款')}${button('decline', 'Decline 拒绝')}${button('leave', 'Leave 离开')}` : ''}
${trade.quitUrl ? `<p><a href="${escapeHtml(trade.quitUrl)}">返回商家 · Back to the shop</a></p>` : ''}
</body></html>`;
}
