/**
 * The simulated Alipay's trades and what each gateway method does to them.
 * Synchronous and pure over the state: the server (server.ts) verifies the
 * request's signature first and signs whatever these return.
 *
 * As at the real Alipay, a trade exists for queries only once the payer has
 * opened it (scanned the QR code or landed on the payment page): before that
 * a query or a close answers ACQ.TRADE_NOT_EXIST.
 */
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { beijingDate, beijingDateTime, parseBeijingDateTime } from '../../connectors/alipay/signature.ts';
import type { ProductCode, TradeStatus } from '../../connectors/alipay/wire.ts';
import { refundStatusSuccess, resultCodes, subCodes } from '../../connectors/alipay/wire.ts';
import { formatDecimal, parseDecimal } from '../../domain/money.ts';
import { newNotificationStats } from './notifications.ts';
import { systemClock, type Clock } from '../../domain/clock.ts';
import { SimulatorRecords, type EffectKind } from '../persistence/records.ts';
import { SimulatorStore, type Codec } from '../persistence/store.ts';
import type { NotificationStats } from './notifications.ts';

export interface Merchant {
  appId: string;
  sellerId: string;
  appPublicKey: KeyObject;
}

export interface Refund {
  outRequestNo: string;
  amount: bigint;
  atMs: number;
}

export interface Trade {
  appId: string;
  outTradeNo: string;
  tradeNo: string;
  subject: string;
  totalAmount: bigint;
  status: TradeStatus;
  opened: boolean;
  notifyUrl: string | null;
  expiresAtMs: number | null;
  createdAtMs: number;
  paidAtMs: number | null;
  refunds: Refund[];
  /** How the trade was made; absent on trades kept from before it was recorded (they were precreated or page.pay). */
  product?: ProductCode;
  /** page.pay and wap.pay: where the cashier sends the payer after paying. */
  returnUrl?: string | null;
  /** wap.pay: where the cashier's back button leads. */
  quitUrl?: string | null;
  /** trade.create: the payer the trade was made for (by user id or open id); only they may pay it. */
  buyerId?: string | null;
  buyerOpenId?: string | null;
  /** trade.create for a mini program (JSAPI_PAY): the mini program whose my.tradePay may pay it (op_app_id, else the merchant's app_id). */
  miniProgramAppId?: string | null;
}

export interface AlipayStats extends NotificationStats {
  requests: number;
  invalidSignatures: number;
}

export interface SimulatorState {
  merchants: Map<string, Merchant>;
  /** By out_trade_no. */
  trades: Map<string, Trade>;
  /** out_trade_no by trade_no, for the methods that take either. */
  tradeNos: Map<string, string>;
  /** Bill archives by download token. */
  bills: Map<string, Buffer>;
  stats: AlipayStats;
  /** What the simulator did, for /_control/records. */
  records: SimulatorRecords;
}

/** Trades as JSON: amounts as decimal strings of fen. */
const tradeCodec: Codec<Trade> = {
  encode: (trade) => ({ ...trade, totalAmount: String(trade.totalAmount), refunds: trade.refunds.map((each) => ({ ...each, amount: String(each.amount) })) }),
  decode(json) {
    const trade = json as Trade & { totalAmount: string; refunds: (Refund & { amount: string })[] };
    return { ...trade, totalAmount: BigInt(trade.totalAmount), refunds: trade.refunds.map((each) => ({ ...each, amount: BigInt(each.amount) })) };
  },
};

/** A fresh state, or (with a store that has a journal) the trades, counters and records kept there. */
export function newState(
  merchants: Map<string, Merchant> = new Map(),
  store: SimulatorStore = SimulatorStore.open(undefined, 'alipay'),
  clock: Clock = systemClock,
): SimulatorState {
  const trades = store.map('trade', tradeCodec);
  return {
    merchants,
    trades,
    tradeNos: new Map([...trades.values()].map((trade) => [trade.tradeNo, trade.outTradeNo])),
    bills: new Map(),
    stats: store.object<AlipayStats>('stats', () => ({ requests: 0, invalidSignatures: 0, ...newNotificationStats() })),
    records: new SimulatorRecords('alipay', store, clock),
  };
}

/** What a method answers: the fields of the `…_response` object. */
export type MethodResult = Record<string, string>;

export interface MethodContext {
  state: SimulatorState;
  merchant: Merchant;
  biz: Record<string, unknown>;
  notifyUrl: string | null;
  /** The request's return_url (page.pay, wap.pay). */
  returnUrl: string | null;
  nowMs: number;
  /** The simulator's base URL, for QR codes and bill downloads. */
  baseUrl: string;
  /** Tells the merchant of a refund that succeeded, as Alipay does (server.ts). */
  refunded(trade: Trade, refund: Refund): void;
}

export const ok = (fields: Record<string, string> = {}): MethodResult => ({ code: resultCodes.success, msg: 'Success', ...fields });

export function businessFailure(subCode: string, subMsg: string): MethodResult {
  return { code: resultCodes.businessFailure, msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg };
}

export function invalidArguments(subCode: string, subMsg: string): MethodResult {
  return { code: resultCodes.invalidArguments, msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg };
}

const amountMin = 1n;
const amountMax = 10_000_000_000n;
export const billsMax = 1_000;

export function text(biz: Record<string, unknown>, name: string): string | null {
  const value = biz[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * A yuan amount, as a string ("88.88") or, as Alipay's own examples send
 * total_amount, a JSON number (88.88). A number is read by its shortest
 * decimal text, so 88.88 is 88.88 and never 88.879999…
 */
function amountOf(biz: Record<string, unknown>, name: string): bigint | null {
  const raw = biz[name];
  const value = typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 ? String(raw) : text(biz, name);
  const amount = value === null || /e/i.test(value) ? null : parseDecimal(value, 'CNY');
  return amount !== null && amount >= amountMin && amount <= amountMax ? amount : null;
}

export const yuan = (amount: bigint): string => formatDecimal(amount, 'CNY');

export function newTradeNo(nowMs: number): string {
  // 28 digits, as Alipay's: the date, then digits that carry no meaning.
  return `${beijingDate(nowMs).replaceAll('-', '')}2200${Array.from(randomBytes(16), (byte) => byte % 10).join('')}`;
}

/** A trade the payer may still pay times out at time_expire, as at Alipay. */
export function settle(trade: Trade, nowMs: number): Trade {
  if (trade.status === 'WAIT_BUYER_PAY' && trade.expiresAtMs !== null && nowMs >= trade.expiresAtMs) trade.status = 'TRADE_CLOSED';
  return trade;
}

/**
 * The merchant's trade by trade_no or out_trade_no (Alipay takes either, and
 * trade_no first when both are given), only once the payer has opened it.
 */
function openedTrade(context: MethodContext): Trade | MethodResult {
  const trade = findTrade(context.state, context.biz);
  if (trade === undefined || trade.appId !== context.merchant.appId || !trade.opened) {
    return businessFailure(subCodes.tradeNotExist, '交易不存在');
  }
  return settle(trade, context.nowMs);
}

export const isTrade = (value: Trade | MethodResult): value is Trade => 'tradeNo' in value;

export function findTrade(state: SimulatorState, biz: Record<string, unknown>): Trade | undefined {
  const tradeNo = text(biz, 'trade_no');
  const outTradeNo = text(biz, 'out_trade_no');
  const key = tradeNo === null ? outTradeNo : state.tradeNos.get(tradeNo);
  const trade = key === null || key === undefined ? undefined : state.trades.get(key);
  // Both given: they must name the same trade.
  if (trade !== undefined && outTradeNo !== null && trade.outTradeNo !== outTradeNo) return undefined;
  return trade;
}

/**
 * Creates the trade of precreate, page.pay, wap.pay, app.pay or trade.create, or finds it again for the same
 * out_trade_no and amount (Alipay's idempotency on out_trade_no).
 */
export function createTrade(context: MethodContext, product: ProductCode, opened: boolean): Trade | MethodResult {
  const { biz, state, merchant } = context;
  const outTradeNo = text(biz, 'out_trade_no');
  const subject = text(biz, 'subject');
  const amount = amountOf(biz, 'total_amount');
  if (outTradeNo === null || subject === null || amount === null || !/^[A-Za-z0-9_-]{1,64}$/.test(outTradeNo)) {
    return invalidArguments(subCodes.missingParameter, 'out_trade_no, total_amount or subject missing or invalid');
  }
  state.records.sawKey('out_trade_no', outTradeNo);
  const existing = state.trades.get(outTradeNo);
  if (existing !== undefined) {
    if (existing.appId !== merchant.appId || existing.totalAmount !== amount) {
      return businessFailure(subCodes.contextInconsistent, '交易信息被篡改');
    }
    settle(existing, context.nowMs);
    if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED') return businessFailure('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
    if (existing.status === 'TRADE_CLOSED') return businessFailure('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
    existing.opened ||= opened;
    return existing;
  }
  const productCode = text(biz, 'product_code');
  if (productCode !== null && productCode !== product) return invalidArguments('isv.invalid-parameter', `product_code must be ${product}`);
  const timeExpire = text(biz, 'time_expire');
  const expiresAt = timeExpire === null ? null : parseBeijingDateTime(timeExpire);
  if (timeExpire !== null && expiresAt === null) return invalidArguments('isv.invalid-parameter', 'time_expire invalid');
  const trade: Trade = {
    appId: merchant.appId,
    outTradeNo,
    tradeNo: newTradeNo(context.nowMs),
    subject,
    totalAmount: amount,
    status: 'WAIT_BUYER_PAY',
    opened,
    notifyUrl: context.notifyUrl,
    expiresAtMs: expiresAt?.getTime() ?? null,
    createdAtMs: context.nowMs,
    paidAtMs: null,
    refunds: [],
    product,
    returnUrl: context.returnUrl,
    quitUrl: text(biz, 'quit_url'),
  };
  state.trades.set(outTradeNo, trade);
  state.tradeNos.set(trade.tradeNo, outTradeNo);
  state.records.effect({ kind: 'ordered', keyKind: 'out_trade_no', key: outTradeNo, object: trade.tradeNo, amount, currency: 'CNY' });
  return trade;
}

/** An effect on a trade, under its out_trade_no. */
export function recordTrade(state: SimulatorState, trade: Trade, kind: EffectKind, detail: string | null = null): void {
  state.records.effect({ kind, keyKind: 'out_trade_no', key: trade.outTradeNo, object: trade.tradeNo, amount: trade.totalAmount, currency: 'CNY', detail });
}

export function precreate(context: MethodContext): MethodResult {
  const trade = createTrade(context, 'FACE_TO_FACE_PAYMENT', false);
  if (!isTrade(trade)) return trade;
  return ok({ out_trade_no: trade.outTradeNo, qr_code: payerPageUrl(context.baseUrl, trade.outTradeNo) });
}

/**
 * trade.create (统一收单交易创建): a trade made for a named payer, who pays it
 * in Alipay (a mini program's my.tradePay with the trade_no). Unlike a
 * precreated QR code, the trade exists at once: a query finds it
 * WAIT_BUYER_PAY. Without product_code it is 当面付; JSAPI_PAY is a mini program's.
 */
export function tradeCreate(context: MethodContext): MethodResult {
  const product = text(context.biz, 'product_code') ?? 'FACE_TO_FACE_PAYMENT';
  if (product !== 'FACE_TO_FACE_PAYMENT' && product !== 'JSAPI_PAY') return invalidArguments('isv.invalid-parameter', 'product_code must be FACE_TO_FACE_PAYMENT or JSAPI_PAY');
  const buyerId = text(context.biz, 'buyer_id');
  const buyerOpenId = text(context.biz, 'buyer_open_id');
  if (buyerId === null && buyerOpenId === null) return invalidArguments(subCodes.missingParameter, 'buyer_id or buyer_open_id is required');
  if (buyerId !== null && !/^2088\d{12}$/.test(buyerId)) return invalidArguments('isv.invalid-parameter', 'buyer_id must be 2088 and 12 digits');
  if (buyerId === context.merchant.sellerId) return businessFailure('ACQ.BUYER_SELLER_EQUAL', '买卖家不能相同');
  const trade = createTrade(context, product, true);
  if (!isTrade(trade)) return trade;
  if ((trade.buyerId ?? null) !== null || (trade.buyerOpenId ?? null) !== null) {
    // The same out_trade_no again: it must name the same payer.
    if ((trade.buyerId ?? null) !== buyerId || (trade.buyerOpenId ?? null) !== buyerOpenId) return businessFailure(subCodes.contextInconsistent, '交易信息被篡改');
  } else {
    trade.buyerId = buyerId;
    trade.buyerOpenId = buyerOpenId;
    trade.miniProgramAppId = product === 'JSAPI_PAY' ? (text(context.biz, 'op_app_id') ?? context.merchant.appId) : null;
  }
  return ok({ out_trade_no: trade.outTradeNo, trade_no: trade.tradeNo });
}

export function payerPageUrl(baseUrl: string, outTradeNo: string): string {
  return `${baseUrl}/pay/${encodeURIComponent(outTradeNo)}`;
}

export function query(context: MethodContext): MethodResult {
  const trade = openedTrade(context);
  if (!isTrade(trade)) return trade;
  return ok(tradeFields(trade));
}

export function tradeFields(trade: Trade): Record<string, string> {
  const fields: Record<string, string> = {
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    buyer_logon_id: 'buy***@example.com',
    trade_status: trade.status,
    total_amount: yuan(trade.totalAmount),
  };
  if (trade.paidAtMs !== null) {
    fields.send_pay_date = beijingDateTime(trade.paidAtMs);
    fields.receipt_amount = yuan(trade.totalAmount);
    fields.buyer_pay_amount = yuan(trade.totalAmount);
  }
  return fields;
}

export function close(context: MethodContext): MethodResult {
  const trade = openedTrade(context);
  if (!isTrade(trade)) return trade;
  if (trade.status !== 'WAIT_BUYER_PAY') return businessFailure(subCodes.tradeStatusError, '交易状态不合法');
  trade.status = 'TRADE_CLOSED';
  recordTrade(context.state, trade, 'closed', 'alipay.trade.close');
  return ok({ trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo });
}

export function refund(context: MethodContext): MethodResult {
  const trade = openedTrade(context);
  if (!isTrade(trade)) return trade;
  const amount = amountOf(context.biz, 'refund_amount');
  if (amount === null) return invalidArguments(subCodes.missingParameter, 'refund_amount missing or invalid');
  const outRequestNo = text(context.biz, 'out_request_no') ?? trade.outTradeNo;
  const refunded = trade.refunds.reduce((sum, each) => sum + each.amount, 0n);
  const answer = (fundChange: 'Y' | 'N', total: bigint): MethodResult =>
    ok({
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: 'buy***@example.com',
      fund_change: fundChange,
      refund_fee: yuan(total),
      gmt_refund_pay: beijingDateTime(context.nowMs),
    });
  // Keyed by the trade too: out_request_no is unique within a trade only.
  const refundKey = `${trade.outTradeNo}/${outRequestNo}`;
  context.state.records.sawKey('out_request_no', refundKey);
  const repeated = trade.refunds.find((each) => each.outRequestNo === outRequestNo);
  if (repeated !== undefined) {
    // The same out_request_no again: nothing more moves.
    if (repeated.amount !== amount) return businessFailure(subCodes.contextInconsistent, '退款请求信息不一致');
    return answer('N', refunded);
  }
  if (trade.status !== 'TRADE_SUCCESS') return businessFailure(subCodes.tradeStatusError, '交易状态不合法');
  if (refunded + amount > trade.totalAmount) return businessFailure(subCodes.refundAmountExceeded, '退款金额超限');
  const made: Refund = { outRequestNo, amount, atMs: context.nowMs };
  trade.refunds.push(made);
  context.state.records.effect({ kind: 'refunded', keyKind: 'out_request_no', key: refundKey, object: trade.tradeNo, amount, currency: 'CNY' });
  if (refunded + amount === trade.totalAmount) trade.status = 'TRADE_CLOSED';
  context.refunded(trade, made);
  return answer('Y', refunded + amount);
}

export function refundQuery(context: MethodContext): MethodResult {
  const trade = openedTrade(context);
  if (!isTrade(trade)) return trade;
  const outRequestNo = text(context.biz, 'out_request_no') ?? trade.outTradeNo;
  const found = trade.refunds.find((each) => each.outRequestNo === outRequestNo);
  // Alipay answers success without the refund's fields when there is no such refund.
  if (found === undefined) return ok();
  return ok({
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    out_request_no: found.outRequestNo,
    total_amount: yuan(trade.totalAmount),
    refund_amount: yuan(found.amount),
    refund_status: refundStatusSuccess,
    gmt_refund_pay: beijingDateTime(found.atMs),
  });
}

