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
import type { TradeStatus } from '../../connectors/alipay/wire.ts';
import { billColumns, billKinds, refundStatusSuccess, resultCodes, subCodes } from '../../connectors/alipay/wire.ts';
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
}

export interface AlipayStats extends NotificationStats {
  requests: number;
  invalidSignatures: number;
}

export interface SimulatorState {
  merchants: Map<string, Merchant>;
  /** By out_trade_no. */
  trades: Map<string, Trade>;
  /** Bill downloads by token. */
  bills: Map<string, string>;
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
  return {
    merchants,
    trades: store.map('trade', tradeCodec),
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
  nowMs: number;
  /** The simulator's base URL, for QR codes and bill downloads. */
  baseUrl: string;
}

const ok = (fields: Record<string, string> = {}): MethodResult => ({ code: resultCodes.success, msg: 'Success', ...fields });

export function businessFailure(subCode: string, subMsg: string): MethodResult {
  return { code: resultCodes.businessFailure, msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg };
}

export function invalidArguments(subCode: string, subMsg: string): MethodResult {
  return { code: resultCodes.invalidArguments, msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg };
}

const amountMin = 1n;
const amountMax = 10_000_000_000n;
const billsMax = 1_000;

function text(biz: Record<string, unknown>, name: string): string | null {
  const value = biz[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

function amountOf(biz: Record<string, unknown>, name: string): bigint | null {
  const value = text(biz, name);
  const amount = value === null ? null : parseDecimal(value, 'CNY');
  return amount !== null && amount >= amountMin && amount <= amountMax ? amount : null;
}

const yuan = (amount: bigint): string => formatDecimal(amount, 'CNY');

export function newTradeNo(nowMs: number): string {
  // 28 digits, as Alipay's: the date, then digits that carry no meaning.
  return `${beijingDate(nowMs).replaceAll('-', '')}2200${Array.from(randomBytes(16), (byte) => byte % 10).join('')}`;
}

/** A trade the payer may still pay times out at time_expire, as at Alipay. */
export function settle(trade: Trade, nowMs: number): Trade {
  if (trade.status === 'WAIT_BUYER_PAY' && trade.expiresAtMs !== null && nowMs >= trade.expiresAtMs) trade.status = 'TRADE_CLOSED';
  return trade;
}

/** The merchant's trade by out_trade_no, only once the payer has opened it. */
function openedTrade(context: MethodContext): Trade | MethodResult {
  const outTradeNo = text(context.biz, 'out_trade_no');
  const trade = outTradeNo === null ? undefined : context.state.trades.get(outTradeNo);
  if (trade === undefined || trade.appId !== context.merchant.appId || !trade.opened) {
    return businessFailure(subCodes.tradeNotExist, '交易不存在');
  }
  return settle(trade, context.nowMs);
}

const isTrade = (value: Trade | MethodResult): value is Trade => 'tradeNo' in value;

/**
 * Creates the trade of precreate or page.pay, or finds it again for the same
 * out_trade_no and amount (Alipay's idempotency on out_trade_no).
 */
export function createTrade(context: MethodContext, opened: boolean): Trade | MethodResult {
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
  };
  state.trades.set(outTradeNo, trade);
  state.records.effect({ kind: 'ordered', keyKind: 'out_trade_no', key: outTradeNo, object: trade.tradeNo, amount, currency: 'CNY' });
  return trade;
}

/** An effect on a trade, under its out_trade_no. */
export function recordTrade(state: SimulatorState, trade: Trade, kind: EffectKind, detail: string | null = null): void {
  state.records.effect({ kind, keyKind: 'out_trade_no', key: trade.outTradeNo, object: trade.tradeNo, amount: trade.totalAmount, currency: 'CNY', detail });
}

export function precreate(context: MethodContext): MethodResult {
  const trade = createTrade(context, false);
  if (!isTrade(trade)) return trade;
  return ok({ out_trade_no: trade.outTradeNo, qr_code: payerPageUrl(context.baseUrl, trade.outTradeNo) });
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
  trade.refunds.push({ outRequestNo, amount, atMs: context.nowMs });
  context.state.records.effect({ kind: 'refunded', keyKind: 'out_request_no', key: refundKey, object: trade.tradeNo, amount, currency: 'CNY' });
  if (refunded + amount === trade.totalAmount) trade.status = 'TRADE_CLOSED';
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

export function billDownloadUrl(context: MethodContext): MethodResult {
  const billType = text(context.biz, 'bill_type');
  const billDate = text(context.biz, 'bill_date');
  if (billType !== 'trade' || billDate === null || !/^\d{4}-\d{2}-\d{2}$/.test(billDate)) {
    return invalidArguments('isv.invalid-parameter', 'bill_type must be trade and bill_date yyyy-MM-dd');
  }
  // A day's bill is ready the next day (Beijing time).
  if (billDate >= beijingDate(context.nowMs)) return businessFailure(subCodes.billNotExist, '账单不存在');
  const { bills } = context.state;
  if (bills.size >= billsMax) bills.delete(bills.keys().next().value as string);
  const token = randomBytes(16).toString('hex');
  bills.set(token, billCsv(context.state, context.merchant, billDate));
  return ok({ bill_download_url: `${context.baseUrl}/bill/${token}.csv` });
}

/** The bill layout described in connectors/alipay/wire.ts. */
export function billCsv(state: SimulatorState, merchant: Merchant, billDate: string): string {
  const rows: { atMs: number; cells: string[] }[] = [];
  for (const trade of state.trades.values()) {
    if (trade.appId !== merchant.appId) continue;
    if (trade.paidAtMs !== null && beijingDate(trade.paidAtMs) === billDate) {
      rows.push({ atMs: trade.paidAtMs, cells: [trade.tradeNo, trade.outTradeNo, billKinds.payment, yuan(trade.totalAmount), beijingDateTime(trade.paidAtMs), ''] });
    }
    for (const each of trade.refunds) {
      if (beijingDate(each.atMs) !== billDate) continue;
      rows.push({ atMs: each.atMs, cells: [trade.tradeNo, trade.outTradeNo, billKinds.refund, yuan(each.amount), beijingDateTime(each.atMs), each.outRequestNo] });
    }
  }
  rows.sort((a, b) => a.atMs - b.atMs);
  const header = [billColumns.tradeNo, billColumns.outTradeNo, billColumns.kind, billColumns.amount, billColumns.completedAt, billColumns.refundNumber];
  return [
    '#支付宝交易记录明细查询',
    `#账号：[${merchant.sellerId}]`,
    `#起始日期：[${billDate} 00:00:00]   终止日期：[${billDate} 23:59:59]`,
    '#-----------------------------------------业务明细列表----------------------------------------',
    header.join(','),
    ...rows.map((row) => row.cells.join(',')),
    '#-----------------------------------------业务明细列表结束------------------------------------',
    `#交易合计：${rows.filter((row) => row.cells[2] === billKinds.payment).length}笔`,
    `#退款合计：${rows.filter((row) => row.cells[2] === billKinds.refund).length}笔`,
    '',
  ].join('\n');
}
