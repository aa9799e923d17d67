/** The payer's side of the simulated Alipay: paying, declining or leaving at the cashier, and the notifications of trades and refunds that follow. */
import { randomBytes } from 'node:crypto';
import { beijingDateTime, notificationSigningString, signRsa2 } from '../../connectors/alipay/signature.ts';
import { formatDecimal } from '../../domain/money.ts';
import type { Refund, Trade } from './trades.ts';
import { recordTrade, settle } from './trades.ts';
import { type Context } from './context.ts';

// ---------------------------------------------------------------------------
// The payer.

export type PayerAction = 'pay' | 'decline' | 'leave';

export function payerActs(context: Context, trade: Trade, action: PayerAction): boolean {
  const nowMs = context.clock.nowMs();
  trade.opened = true;
  settle(trade, nowMs);
  if (trade.status !== 'WAIT_BUYER_PAY' || action === 'leave') return false;
  if (action === 'pay') {
    trade.status = 'TRADE_SUCCESS';
    trade.paidAtMs = nowMs;
    recordTrade(context.state, trade, 'paid');
  } else {
    trade.status = 'TRADE_CLOSED';
    recordTrade(context.state, trade, 'closed', 'the payer declined');
  }
  notifyTrade(context, trade, nowMs);
  return true;
}

export function notifyTrade(context: Context, trade: Trade, nowMs: number): void {
  const merchant = context.state.merchants.get(trade.appId);
  if (trade.notifyUrl === null || merchant === undefined) return;
  const amount = formatDecimal(trade.totalAmount, 'CNY');
  const fields: Record<string, string> = {
    notify_time: beijingDateTime(nowMs),
    notify_type: 'trade_status_sync',
    notify_id: randomBytes(16).toString('hex'),
    charset: 'utf-8',
    version: '1.0',
    app_id: trade.appId,
    seller_id: merchant.sellerId,
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    trade_status: trade.status,
    total_amount: amount,
    subject: trade.subject,
    gmt_create: beijingDateTime(trade.createdAtMs),
  };
  if (trade.paidAtMs !== null) {
    fields.receipt_amount = amount;
    fields.buyer_pay_amount = amount;
    fields.gmt_payment = beijingDateTime(trade.paidAtMs);
  } else {
    fields.gmt_close = beijingDateTime(nowMs);
  }
  context.notifier.notify(trade.notifyUrl, fields);
  recordTrade(context.state, trade, 'notified', `${trade.status} notify_id ${fields.notify_id}`);
}

/**
 * Which trade states Alipay notifies by default, by product: 当面付 (and a
 * mini program's trade.create) and 电脑网站支付 only TRADE_SUCCESS; 手机网站支付
 * and APP支付 TRADE_SUCCESS, TRADE_CLOSED and TRADE_FINISHED. So a partial refund (the trade stays TRADE_SUCCESS) is always
 * told, and a full refund (TRADE_CLOSED) only on a wap.pay trade; the
 * merchant asks about the others (alipay.trade.fastpay.refund.query).
 */
export function notifiesOn(trade: Trade): boolean {
  if (trade.status === 'TRADE_SUCCESS') return true;
  const notifiesAll = trade.product === 'QUICK_WAP_WAY' || trade.product === 'QUICK_MSECURITY_PAY';
  return notifiesAll && (trade.status === 'TRADE_CLOSED' || trade.status === 'TRADE_FINISHED');
}

/**
 * A refund that succeeded is told by the trade's own notification
 * (trade_status_sync) to the notify_url the trade was made with, carrying
 * out_biz_no (the refund's out_request_no), refund_fee (all refunded on the
 * trade so far) and gmt_refund (with milliseconds); a full refund adds
 * gmt_close.
 */
export function notifyRefund(context: Context, trade: Trade, refund: Refund): void {
  const merchant = context.state.merchants.get(trade.appId);
  if (trade.notifyUrl === null || merchant === undefined || trade.paidAtMs === null || !notifiesOn(trade)) return;
  const amount = formatDecimal(trade.totalAmount, 'CNY');
  const refunded = trade.refunds.reduce((sum, each) => sum + each.amount, 0n);
  const fields: Record<string, string> = {
    notify_time: beijingDateTime(refund.atMs),
    notify_type: 'trade_status_sync',
    notify_id: randomBytes(16).toString('hex'),
    charset: 'utf-8',
    version: '1.0',
    app_id: trade.appId,
    auth_app_id: trade.appId,
    seller_id: merchant.sellerId,
    trade_no: trade.tradeNo,
    out_trade_no: trade.outTradeNo,
    out_biz_no: refund.outRequestNo,
    trade_status: trade.status,
    total_amount: amount,
    receipt_amount: amount,
    buyer_pay_amount: amount,
    refund_fee: formatDecimal(refunded, 'CNY'),
    subject: trade.subject,
    gmt_create: beijingDateTime(trade.createdAtMs),
    gmt_payment: beijingDateTime(trade.paidAtMs),
    gmt_refund: `${beijingDateTime(refund.atMs)}.${String(refund.atMs % 1000).padStart(3, '0')}`,
  };
  if (trade.status === 'TRADE_CLOSED') fields.gmt_close = beijingDateTime(refund.atMs);
  context.notifier.notify(trade.notifyUrl, fields);
  recordTrade(context.state, trade, 'notified', `refund ${refund.outRequestNo} notify_id ${fields.notify_id}`);
}

/**
 * Where the cashier sends the payer after paying (page.pay and wap.pay with a
 * return_url): return_url with Alipay's signed synchronous return parameters,
 * which the merchant may check but must not trust for the payment's outcome.
 */
export function returnUrlAfterPaying(context: Context, trade: Trade): string | null {
  const merchant = context.state.merchants.get(trade.appId);
  if (trade.returnUrl === undefined || trade.returnUrl === null || merchant === undefined) return null;
  const method = trade.product === 'QUICK_WAP_WAY' ? 'alipay.trade.wap.pay.return' : 'alipay.trade.page.pay.return';
  const fields: Record<string, string> = {
    charset: 'utf-8',
    out_trade_no: trade.outTradeNo,
    method,
    total_amount: formatDecimal(trade.totalAmount, 'CNY'),
    trade_no: trade.tradeNo,
    auth_app_id: trade.appId,
    version: '1.0',
    app_id: trade.appId,
    seller_id: merchant.sellerId,
    timestamp: beijingDateTime(context.clock.nowMs()),
  };
  if (!URL.canParse(trade.returnUrl)) return null;
  const sign = signRsa2(notificationSigningString(fields), context.alipayPrivateKey);
  const url = new URL(trade.returnUrl);
  for (const [key, value] of Object.entries({ ...fields, sign, sign_type: 'RSA2' })) url.searchParams.set(key, value);
  return url.toString();
}
