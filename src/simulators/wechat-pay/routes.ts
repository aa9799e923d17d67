/**
 * The simulated WeChat Pay's /v3 API: the gate every request passes (count,
 * verify the merchant's signature, latency, injected failures), every answer
 * signed with the platform key, and the routes for orders, refunds and the
 * trade bill. Errors use WeChat's format, `{"code":"PARAM_ERROR","message":…}`.
 */
import { createHash, verify } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { assert } from '../../domain/assert.ts';
import { encryptAeadAesGcm, parseAuthorizationHeader, requestSigningMessage, signatureWindowMs, verifyJsapiPaySign, wechatpayHeaders } from '../../connectors/wechat-pay/signing.ts';
import type { WireRefundNotice, WireTransaction } from '../../connectors/wechat-pay/wire.ts';
import { beijingRfc3339, isObject } from '../../connectors/wechat-pay/wire.ts';
import { tradeBill } from './bill.ts';
import type { InjectedFailure } from './faults.ts';
import { takeFailure } from './faults.ts';
import type { Notifier } from './notifier.ts';
import type { Merchant, Order, Refund, SimulatorContext, SimulatorState } from './state.ts';
import { orderKey, randomDigits, randomHex } from './state.ts';
import type { EffectKind } from '../persistence/records.ts';
import { touch } from '../persistence/store.ts';

/** Bill files kept for download at once; the oldest goes first. */
const billsKeptMax = 100;
const outTradeNoPattern = /^[A-Za-z0-9_|*-]{6,32}$/;
const outRefundNoPattern = /^[A-Za-z0-9_|*@-]{1,64}$/;

class WechatError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function fail(status: number, code: string, message: string): never {
  throw new WechatError(status, code, message);
}

export function apiRoutes(v3: FastifyInstance, context: SimulatorContext, notifier: Notifier): void {
  const rawBodies = new WeakMap<FastifyRequest, string>();
  const merchants = new WeakMap<FastifyRequest, Merchant>();
  const failures = new WeakMap<FastifyRequest, InjectedFailure>();
  const merchantOf = (request: FastifyRequest): Merchant => {
    const merchant = merchants.get(request);
    assert(merchant !== undefined, 'a /v3 route ran before the gate');
    return merchant;
  };

  v3.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    rawBodies.set(request, text);
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new WechatError(400, 'PARAM_ERROR', '请求体不是合法的JSON'), undefined);
    }
  });

  v3.setErrorHandler((error: FastifyError | WechatError, _request, reply) => {
    if (error instanceof WechatError) return reply.code(error.status).send({ code: error.code, message: error.message });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ code: 'PARAM_ERROR', message: error.message });
    return reply.code(500).send({ code: 'SYSTEM_ERROR', message: '系统错误' });
  });
  v3.setNotFoundHandler((_request, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: '请求的资源不存在' }));

  v3.addHook('onRequest', async () => {
    context.state.stats.requests += 1;
  });

  v3.addHook('preHandler', async (request, reply) => {
    const merchant = authenticate(context, request, rawBodies.get(request) ?? '');
    if (merchant === null) {
      context.state.stats.signatureFailures += 1;
      return reply.code(401).send({ code: 'SIGN_ERROR', message: '签名错误' });
    }
    merchants.set(request, merchant);
    await context.sleep(context.faults.latencyMs);
    const failure = takeFailure(context.faults);
    if (failure === null) return;
    failures.set(request, failure);
    if (failure.mode === 'error_500') return reply.code(500).send({ code: 'SYSTEM_ERROR', message: '系统错误 (simulated fault)' });
    if (failure.mode === 'timeout') return new Promise<never>(() => {});
  });

  // Every answer is signed, errors included, so a merchant may act on them.
  v3.addHook('onSend', async (request, reply, payload) => {
    const failure = failures.get(request);
    if (failure?.mode === 'respond_late') await context.sleep(failure.lateMs);
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload : '';
    const headers = wechatpayHeaders({
      body,
      timestamp: String(Math.floor(context.clock.nowMs() / 1000)),
      nonce: randomHex(context, 16),
      privateKey: context.platform.privateKey,
      serial: context.platform.serial,
    });
    reply.headers({ ...headers, 'Request-ID': randomHex(context, 16) });
    return payload;
  });

  v3.post('/pay/transactions/native', async (request, reply) => reply.send(createOrder(context, merchantOf(request), request.body, 'NATIVE')));
  v3.post('/pay/transactions/h5', async (request, reply) => reply.send(createOrder(context, merchantOf(request), request.body, 'MWEB')));
  v3.post('/pay/transactions/jsapi', async (request, reply) => reply.send(createOrder(context, merchantOf(request), request.body, 'JSAPI')));

  v3.get<{ Params: { no: string }; Querystring: { mchid?: string } }>('/pay/transactions/out-trade-no/:no', async (request, reply) => {
    const merchant = merchantOf(request);
    if (request.query.mchid !== merchant.mchid) fail(400, 'PARAM_ERROR', 'mchid与签名商户号不一致');
    return reply.send(transactionJson(context, existingOrder(context, merchant, request.params.no)));
  });

  v3.post<{ Params: { no: string } }>('/pay/transactions/out-trade-no/:no/close', async (request, reply) => {
    const merchant = merchantOf(request);
    if (!isObject(request.body) || request.body.mchid !== merchant.mchid) fail(400, 'PARAM_ERROR', 'mchid与签名商户号不一致');
    const order = existingOrder(context, merchant, request.params.no);
    if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') fail(400, 'ORDERPAID', '订单已支付');
    if (order.tradeState !== 'CLOSED') recordOrder(context, order, 'closed');
    order.tradeState = 'CLOSED';
    order.tradeStateDesc = '订单已关闭';
    return reply.code(204).send();
  });

  v3.post('/refund/domestic/refunds', async (request, reply) => reply.send(createRefund(context, notifier, merchantOf(request), request.body)));

  v3.get<{ Params: { no: string } }>('/refund/domestic/refunds/:no', async (request, reply) => {
    const refund = context.state.refunds.get(orderKey(merchantOf(request).mchid, request.params.no));
    if (refund === undefined) fail(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return reply.send(refundJson(context.state, refund));
  });

  // The platform certificates, each sealed under the asking merchant's APIv3 key (associated_data "certificate").
  v3.get('/certificates', async (request, reply) => {
    const merchant = merchantOf(request);
    const nowMs = context.clock.nowMs();
    const data = context.platformCertificates
      .filter((certificate) => certificate.notAfterMs > nowMs)
      .map((certificate) => ({
        serial_no: certificate.serial,
        effective_time: beijingRfc3339(certificate.notBeforeMs),
        expire_time: beijingRfc3339(certificate.notAfterMs),
        encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', ...encryptAeadAesGcm(merchant.apiv3Key, randomHex(context, 6), 'certificate', certificate.pem) },
      }));
    return reply.send({ data });
  });

  v3.get<{ Querystring: { bill_date?: string; bill_type?: string } }>('/bill/tradebill', async (request, reply) => {
    const { bill_date: date, bill_type: type = 'ALL' } = request.query;
    if (date === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(date)) fail(400, 'PARAM_ERROR', 'bill_date格式错误');
    if (type !== 'ALL') fail(400, 'PARAM_ERROR', '模拟器仅支持bill_type=ALL');
    const text = tradeBill(context.state, merchantOf(request).mchid, date);
    if (text === null) fail(400, 'NO_STATEMENT_EXIST', '账单文件不存在');
    const token = randomHex(context, 16);
    const bills = context.state.bills;
    bills.set(token, text);
    if (bills.size > billsKeptMax) bills.delete(bills.keys().next().value as string);
    const hash = createHash('sha1').update(text, 'utf8').digest('hex');
    return reply.send({ hash_type: 'SHA1', hash_value: hash, download_url: `${context.url}/v3/billdownload/file?token=${token}` });
  });

  v3.get<{ Querystring: { token?: string } }>('/billdownload/file', async (request, reply) => {
    const text = context.state.bills.get(request.query.token ?? '');
    if (text === undefined) fail(404, 'RESOURCE_NOT_EXISTS', '账单文件不存在');
    return reply.type('text/plain; charset=utf-8').send(text);
  });
}

/** The merchant whose key signed the request; null when the signature, serial or timestamp does not hold. */
function authenticate(context: SimulatorContext, request: FastifyRequest, rawBody: string): Merchant | null {
  const fields = parseAuthorizationHeader(request.headers.authorization);
  if (fields === null) return null;
  const merchant = context.merchants.get(fields.mchid);
  if (merchant === undefined || merchant.serialNo !== fields.serial_no || !/^\d{1,12}$/.test(fields.timestamp)) return null;
  if (Math.abs(context.clock.nowMs() - Number(fields.timestamp) * 1000) >= signatureWindowMs) return null;
  const message = requestSigningMessage({
    method: request.method,
    pathWithQuery: request.url,
    timestamp: fields.timestamp,
    nonce: fields.nonce_str,
    body: request.method === 'GET' ? '' : rawBody,
  });
  try {
    return verify('sha256', Buffer.from(message, 'utf8'), merchant.publicKey, Buffer.from(fields.signature, 'base64')) ? merchant : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Orders.

export function findOrderByNumber(state: SimulatorState, orderNumber: string): Order[] {
  return [...state.orders.values()].filter((order) => order.outTradeNo === orderNumber);
}

/** An unpaid order past its time_expire is closed, as WeChat closes it. */
function refresh(context: SimulatorContext, order: Order): Order {
  if ((order.tradeState === 'NOTPAY' || order.tradeState === 'USERPAYING') && context.clock.nowMs() > order.timeExpireMs) {
    order.tradeState = 'CLOSED';
    order.tradeStateDesc = '订单已关闭';
  }
  return order;
}

function existingOrder(context: SimulatorContext, merchant: Merchant, outTradeNo: string): Order {
  const order = context.state.orders.get(orderKey(merchant.mchid, outTradeNo));
  if (order === undefined) fail(404, 'ORDER_NOT_EXIST', '订单不存在');
  return refresh(context, order);
}

/**
 * When an unpaid order stops being payable. `time_expire` is optional
 * (RFC 3339 with an offset); without it WeChat keeps the order but the
 * payer's link (code_url, prepay_id, h5_url) is valid for 2 hours, which
 * is what the simulator takes as the order's expiry.
 */
export const payerLinkValidMs = 2 * 60 * 60 * 1000;

function orderExpiry(context: SimulatorContext, timeExpire: unknown): number {
  if (timeExpire === undefined) return context.clock.nowMs() + payerLinkValidMs;
  const timeExpireMs = typeof timeExpire === 'string' ? Date.parse(timeExpire) : Number.NaN;
  if (Number.isNaN(timeExpireMs) || !/[+-]\d{2}:\d{2}$/.test(timeExpire as string)) fail(400, 'PARAM_ERROR', 'time_expire格式错误');
  return timeExpireMs;
}

function positiveFen(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function createOrder(context: SimulatorContext, merchant: Merchant, body: unknown, tradeType: Order['tradeType']): object {
  if (!isObject(body)) fail(400, 'PARAM_ERROR', '请求体缺失');
  const { appid, mchid, description, out_trade_no, time_expire, notify_url, amount, scene_info, payer } = body;
  if (mchid !== merchant.mchid) fail(400, 'PARAM_ERROR', 'mchid与签名商户号不一致');
  if (appid !== merchant.appid) fail(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
  if (typeof description !== 'string' || description === '' || Buffer.byteLength(description) > 127) fail(400, 'PARAM_ERROR', 'description格式错误');
  if (typeof out_trade_no !== 'string' || !outTradeNoPattern.test(out_trade_no)) fail(400, 'PARAM_ERROR', 'out_trade_no格式错误');
  if (typeof notify_url !== 'string' || !/^https?:\/\//.test(notify_url)) fail(400, 'PARAM_ERROR', 'notify_url格式错误');
  const timeExpireMs = orderExpiry(context, time_expire);
  if (!isObject(amount) || !positiveFen(amount.total) || amount.currency !== 'CNY') fail(400, 'PARAM_ERROR', 'amount格式错误');
  if (tradeType === 'MWEB' && !(isObject(scene_info) && typeof scene_info.payer_client_ip === 'string')) {
    fail(400, 'PARAM_ERROR', '缺少参数scene_info.payer_client_ip');
  }
  const openid = isObject(payer) && typeof payer.openid === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(payer.openid) ? payer.openid : null;
  if (tradeType === 'JSAPI' && openid === null) fail(400, 'PARAM_ERROR', '缺少参数payer.openid');
  const key = orderKey(merchant.mchid, out_trade_no);
  context.state.records.sawKey('out_trade_no', out_trade_no);
  const existing = context.state.orders.get(key);
  if (existing !== undefined) {
    // The same order again (a retry) gets the same answer; another order under this number is refused.
    if (existing.tradeState === 'SUCCESS' || existing.tradeState === 'REFUND') fail(400, 'ORDERPAID', '该订单已支付');
    if (existing.totalFen !== amount.total || existing.description !== description || existing.tradeType !== tradeType || (tradeType === 'JSAPI' && existing.payerOpenid !== openid)) {
      fail(400, 'INVALID_REQUEST', '商户订单号重复');
    }
    return payerLink(context, existing);
  }
  const order: Order = {
    mchid: merchant.mchid, appid: merchant.appid, outTradeNo: out_trade_no, description, totalFen: amount.total,
    notifyUrl: notify_url, timeExpireMs, tradeType, tradeState: 'NOTPAY', tradeStateDesc: '订单未支付',
    transactionId: null, payerOpenid: openid, successMs: null, createdMs: context.clock.nowMs(),
    prepayId: tradeType === 'JSAPI' ? `wx${beijingCompact(context.clock.nowMs())}${randomHex(context, 9).toLowerCase()}` : null,
  };
  context.state.orders.set(key, order);
  context.state.stats.ordersCreated += 1;
  recordOrder(context, order, 'ordered');
  return payerLink(context, order);
}

/** `YYYYMMDDhhmmss` in Beijing time: how a prepay_id begins (`wx201410272009395522657a690389285100`). */
function beijingCompact(ms: number): string {
  return beijingRfc3339(ms).slice(0, 19).replace(/[-T:]/g, '');
}

function payerLink(context: SimulatorContext, order: Order): object {
  if (order.tradeType === 'JSAPI') return { prepay_id: order.prepayId };
  const url = `${context.url}/pay/${encodeURIComponent(order.outTradeNo)}?mchid=${order.mchid}`;
  return order.tradeType === 'NATIVE' ? { code_url: url } : { h5_url: url };
}

function transactionJson(context: SimulatorContext, order: Order): WireTransaction & Record<string, unknown> {
  const paid = order.successMs !== null;
  return {
    appid: order.appid,
    mchid: order.mchid,
    out_trade_no: order.outTradeNo,
    ...(paid ? { transaction_id: order.transactionId ?? '', success_time: beijingRfc3339(order.successMs ?? 0), bank_type: 'OTHERS' } : {}),
    trade_type: order.tradeType,
    trade_state: refresh(context, order).tradeState,
    trade_state_desc: order.tradeStateDesc,
    attach: '',
    ...(order.payerOpenid === null ? {} : { payer: { openid: order.payerOpenid } }),
    amount: { total: order.totalFen, ...(paid ? { payer_total: order.totalFen } : {}), currency: 'CNY', payer_currency: 'CNY' },
  };
}

/** An effect on an order, under its out_trade_no. */
function recordOrder(context: SimulatorContext, order: Order, kind: EffectKind, detail: string | null = null): void {
  context.state.records.effect({ kind, keyKind: 'out_trade_no', key: order.outTradeNo, object: order.transactionId, amount: order.totalFen, currency: 'CNY', detail });
}

/** The payer pays: null when done, or why it cannot be. */
export function payOrder(context: SimulatorContext, notifier: Notifier, order: Order): string | null {
  // The payer found the order by its number, not by `get`: mark it changed for the journal.
  touch(context.state.orders, orderKey(order.mchid, order.outTradeNo));
  refresh(context, order);
  if (order.tradeState !== 'NOTPAY' && order.tradeState !== 'USERPAYING') return `order is ${order.tradeState}, not payable`;
  order.tradeState = 'SUCCESS';
  order.tradeStateDesc = '支付成功';
  order.transactionId = `42000${randomDigits(context, 23)}`;
  order.payerOpenid ??= `o${randomHex(context, 14)}`;
  order.successMs = context.clock.nowMs();
  recordOrder(context, order, 'paid');
  const merchant = context.merchants.get(order.mchid);
  assert(merchant !== undefined, 'an order belongs to a registered merchant');
  notifier.notify(merchant, order.notifyUrl, {
    type: 'TRANSACTION.SUCCESS', originalType: 'transaction', summary: '支付成功', resource: transactionJson(context, order),
  });
  recordOrder(context, order, 'notified', 'TRANSACTION.SUCCESS');
  return null;
}

/**
 * What WeChat's client does with `getBrandWCPayRequest` inside WeChat: it
 * checks the parameters (signType RSA, paySign over the four lines with the
 * key of the merchant that owns appId, a prepay_id of that appid still within
 * its 2 hours, ordered for this very WeChat user), shows its cashier, and the
 * payer pays. Answers the `err_msg` the page's callback receives.
 */
export function payWithJsapi(
  context: SimulatorContext,
  notifier: Notifier,
  openid: string,
  parameters: Record<string, unknown>,
): { err_msg: 'get_brand_wcpay_request:ok' | 'get_brand_wcpay_request:fail'; reason?: string } {
  const refused = (reason: string) => ({ err_msg: 'get_brand_wcpay_request:fail' as const, reason });
  const { appId, timeStamp, nonceStr, package: pkg, signType, paySign } = parameters;
  if (![appId, timeStamp, nonceStr, pkg, signType, paySign].every((value) => typeof value === 'string')) return refused('missing parameters');
  const merchant = [...context.merchants.values()].find((candidate) => candidate.appid === appId);
  if (merchant === undefined) return refused('unknown appId');
  const signed = { appId, timeStamp, nonceStr, package: pkg, signType, paySign } as Record<'appId' | 'timeStamp' | 'nonceStr' | 'package' | 'signType' | 'paySign', string>;
  if (!/^\d{1,12}$/.test(signed.timeStamp) || signed.nonceStr.length > 32) return refused('timeStamp or nonceStr malformed');
  if (!verifyJsapiPaySign(signed, merchant.publicKey)) return refused('paySign does not verify');
  const prepayId = /^prepay_id=([A-Za-z0-9_-]+)$/.exec(signed.package)?.[1];
  const order = prepayId === undefined ? undefined : [...context.state.orders.values()].find((candidate) => candidate.prepayId === prepayId);
  if (order === undefined || order.appid !== appId) return refused('no such prepay_id for this appId');
  if (context.clock.nowMs() - order.createdMs > payerLinkValidMs) return refused('prepay_id expired');
  if (order.payerOpenid !== openid) return refused('the order was placed for another WeChat user');
  const refusal = payOrder(context, notifier, order);
  return refusal === null ? { err_msg: 'get_brand_wcpay_request:ok' } : refused(refusal);
}

/** The payer's payment fails: null when done, or why it cannot be. */
export function failOrder(context: SimulatorContext, order: Order): string | null {
  touch(context.state.orders, orderKey(order.mchid, order.outTradeNo));
  refresh(context, order);
  if (order.tradeState !== 'NOTPAY' && order.tradeState !== 'USERPAYING') return `order is ${order.tradeState}, cannot fail`;
  recordOrder(context, order, 'declined', 'PAYERROR');
  order.tradeState = 'PAYERROR';
  order.tradeStateDesc = '支付失败，请重新下单支付';
  return null;
}

// ---------------------------------------------------------------------------
// Refunds.

/** A refund as WeChat answers it: the fields the connector reads (WireRefund), and the rest of WeChat's. */
function refundJson(state: SimulatorState, refund: Refund): Record<string, unknown> {
  const order = state.orders.get(orderKey(refund.mchid, refund.outTradeNo));
  assert(order !== undefined, 'a refund belongs to an order');
  return {
    refund_id: refund.refundId,
    out_refund_no: refund.outRefundNo,
    transaction_id: order.transactionId ?? '',
    out_trade_no: refund.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(refund.successMs === null ? {} : { success_time: beijingRfc3339(refund.successMs) }),
    create_time: beijingRfc3339(refund.createdMs),
    status: refund.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: order.totalFen, refund: refund.refundFen, payer_total: order.totalFen, payer_refund: refund.refundFen,
      settlement_total: order.totalFen, settlement_refund: refund.refundFen, discount_refund: 0, currency: 'CNY',
    },
  };
}

function createRefund(context: SimulatorContext, notifier: Notifier, merchant: Merchant, body: unknown): object {
  const state = context.state;
  if (!isObject(body)) fail(400, 'PARAM_ERROR', '请求体缺失');
  const { out_trade_no, out_refund_no, amount, notify_url } = body;
  if (typeof out_trade_no !== 'string') fail(400, 'PARAM_ERROR', '模拟器需要out_trade_no');
  if (typeof out_refund_no !== 'string' || !outRefundNoPattern.test(out_refund_no)) fail(400, 'PARAM_ERROR', 'out_refund_no格式错误');
  if (!isObject(amount) || !positiveFen(amount.refund) || !positiveFen(amount.total) || amount.currency !== 'CNY') {
    fail(400, 'PARAM_ERROR', 'amount格式错误');
  }
  if (notify_url !== undefined && (typeof notify_url !== 'string' || !/^https?:\/\//.test(notify_url))) fail(400, 'PARAM_ERROR', 'notify_url格式错误');
  const key = orderKey(merchant.mchid, out_refund_no);
  state.records.sawKey('out_refund_no', out_refund_no);
  const existing = state.refunds.get(key);
  if (existing !== undefined) {
    // The same refund again (a retry) answers the refund made the first time.
    if (existing.outTradeNo !== out_trade_no || existing.refundFen !== amount.refund) fail(400, 'INVALID_REQUEST', '退款单号重复');
    return refundJson(state, existing);
  }
  const order = state.orders.get(orderKey(merchant.mchid, out_trade_no));
  if (order === undefined) fail(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  if (order.tradeState !== 'SUCCESS' && order.tradeState !== 'REFUND') fail(400, 'INVALID_REQUEST', '订单未支付，不能退款');
  if (amount.total !== order.totalFen) fail(400, 'PARAM_ERROR', '订单金额与原订单不一致');
  let refundedFen = 0;
  for (const other of state.refunds.values()) {
    if (other.mchid === merchant.mchid && other.outTradeNo === out_trade_no && other.status !== 'CLOSED' && other.status !== 'ABNORMAL') {
      refundedFen += other.refundFen;
    }
  }
  if (refundedFen + amount.refund > order.totalFen) fail(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
  const refund: Refund = {
    mchid: merchant.mchid, refundId: `50000${randomDigits(context, 24)}`, outRefundNo: out_refund_no, outTradeNo: out_trade_no,
    refundFen: amount.refund, status: 'PROCESSING', notifyUrl: (notify_url as string | undefined) ?? order.notifyUrl,
    createdMs: context.clock.nowMs(), successMs: null,
  };
  state.refunds.set(key, refund);
  state.stats.refundsCreated += 1;
  state.records.effect({
    kind: 'refunded', keyKind: 'out_refund_no', key: out_refund_no, object: refund.refundId, amount: refund.refundFen, currency: 'CNY',
    detail: `out_trade_no ${out_trade_no}`,
  });
  context.later(context.refundSettleMs, () => settleRefund(context, notifier, merchant, order, refund));
  return refundJson(state, refund);
}

/** WeChat settles a refund a while after accepting it, then notifies. */
function settleRefund(context: SimulatorContext, notifier: Notifier, merchant: Merchant, order: Order, refund: Refund): void {
  // Held by the timer, not found with `get`: mark both changed for the journal.
  touch(context.state.orders, orderKey(order.mchid, order.outTradeNo));
  touch(context.state.refunds, orderKey(refund.mchid, refund.outRefundNo));
  refund.status = 'SUCCESS';
  refund.successMs = context.clock.nowMs();
  order.tradeState = 'REFUND';
  order.tradeStateDesc = '订单发生过退款';
  const notice: WireRefundNotice = {
    mchid: refund.mchid, out_trade_no: refund.outTradeNo, transaction_id: order.transactionId ?? '', out_refund_no: refund.outRefundNo,
    refund_id: refund.refundId, refund_status: 'SUCCESS', success_time: beijingRfc3339(refund.successMs), user_received_account: '支付用户零钱',
    amount: { total: order.totalFen, refund: refund.refundFen, payer_total: order.totalFen, payer_refund: refund.refundFen },
  };
  notifier.notify(merchant, refund.notifyUrl, { type: 'REFUND.SUCCESS', originalType: 'refund', summary: '退款成功', resource: notice });
  context.state.records.effect({ kind: 'notified', keyKind: 'out_refund_no', key: refund.outRefundNo, object: refund.refundId, amount: refund.refundFen, currency: 'CNY', detail: 'REFUND.SUCCESS' });
}

/** After a restart, the refunds still PROCESSING settle as they would have. */
export function resumeRefunds(context: SimulatorContext, notifier: Notifier): void {
  for (const refund of context.state.refunds.values()) {
    if (refund.status !== 'PROCESSING') continue;
    const merchant = context.merchants.get(refund.mchid);
    const order = context.state.orders.get(orderKey(refund.mchid, refund.outTradeNo));
    if (merchant !== undefined && order !== undefined) context.later(context.refundSettleMs, () => settleRefund(context, notifier, merchant, order, refund));
  }
}
