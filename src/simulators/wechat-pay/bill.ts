/**
 * The trade bill (交易账单, bill_type=ALL) of one Beijing day, in the layout of
 * connectors/wechat-pay/wire.ts: the 27-column header, one backticked row per
 * payment that succeeded that day and per refund that succeeded that day, then
 * the summary. The simulator makes a day's bill at once (WeChat makes it the
 * next morning), so tests need not wait.
 */
import { formatDecimal } from '../../domain/money.ts';
import { beijingDate, tradeBillColumns, tradeBillRow, tradeBillSummaryColumns } from '../../connectors/wechat-pay/wire.ts';
import type { SimulatorState } from './state.ts';
import { orderKey } from './state.ts';

/** WeChat's usual fee: 0.6%, in fen, rounded half up. */
function feeFen(totalFen: number): number {
  return Math.floor((totalFen * 6 + 500) / 1000);
}

function yuan(fen: number): string {
  return formatDecimal(BigInt(fen), 'CNY');
}

/** `2026-06-15 20:00:00` in Beijing time. */
function beijingDateTime(ms: number): string {
  return new Date(ms + 8 * 60 * 60 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** The bill text, or null when the merchant had no trade that day (WeChat: NO_STATEMENT_EXIST). */
export function tradeBill(state: SimulatorState, mchid: string, date: string): string | null {
  const rows: string[] = [];
  let paymentsFen = 0;
  let refundsFen = 0;
  let feesFen = 0;
  for (const order of state.orders.values()) {
    if (order.mchid !== mchid || order.successMs === null || beijingDate(order.successMs) !== date) continue;
    paymentsFen += order.totalFen;
    feesFen += feeFen(order.totalFen);
    rows.push(
      tradeBillRow({
        交易时间: beijingDateTime(order.successMs), 公众账号ID: order.appid, 商户号: order.mchid, 特约商户号: '0',
        微信订单号: order.transactionId ?? '', 商户订单号: order.outTradeNo, 用户标识: order.payerOpenid ?? '',
        交易类型: order.tradeType, 交易状态: 'SUCCESS', 付款银行: 'OTHERS', 货币种类: 'CNY', 应结订单金额: yuan(order.totalFen),
        代金券金额: '0.00', 微信退款单号: '0', 商户退款单号: '0', 退款金额: '0.00', 充值券退款金额: '0.00',
        商品名称: order.description, 手续费: `${yuan(feeFen(order.totalFen))}000`, 费率: '0.60%',
        订单金额: yuan(order.totalFen), 申请退款金额: '0.00',
      }),
    );
  }
  for (const refund of state.refunds.values()) {
    if (refund.mchid !== mchid || refund.status !== 'SUCCESS' || refund.successMs === null || beijingDate(refund.successMs) !== date) continue;
    const order = state.orders.get(orderKey(mchid, refund.outTradeNo));
    if (order === undefined) continue;
    refundsFen += refund.refundFen;
    rows.push(
      tradeBillRow({
        交易时间: beijingDateTime(refund.successMs), 公众账号ID: order.appid, 商户号: mchid, 特约商户号: '0',
        微信订单号: order.transactionId ?? '', 商户订单号: order.outTradeNo, 用户标识: order.payerOpenid ?? '',
        交易类型: order.tradeType, 交易状态: 'REFUND', 付款银行: 'OTHERS', 货币种类: 'CNY', 应结订单金额: '0.00',
        代金券金额: '0.00', 微信退款单号: refund.refundId, 商户退款单号: refund.outRefundNo, 退款金额: yuan(refund.refundFen),
        充值券退款金额: '0.00', 退款类型: 'ORIGINAL', 退款状态: 'SUCCESS', 商品名称: order.description,
        手续费: '0.00000', 费率: '0.60%', 订单金额: yuan(order.totalFen), 申请退款金额: yuan(refund.refundFen),
      }),
    );
  }
  if (rows.length === 0) return null;
  const summary = [String(rows.length), yuan(paymentsFen), yuan(refundsFen), '0.00', `${yuan(feesFen)}000`, yuan(paymentsFen), yuan(refundsFen)];
  return [tradeBillColumns.join(','), ...rows, tradeBillSummaryColumns.join(','), summary.map((field) => `\`${field}`).join(','), ''].join('\r\n');
}
