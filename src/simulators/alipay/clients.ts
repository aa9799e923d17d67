/**
 * Alipay's clients, simulated: the app SDK that takes an app.pay order string
 * (APP支付) and a mini program's my.tradePay that takes a trade.create trade
 * number (小程序支付). Each does what Alipay does when the payer confirms in
 * it: checks what it was given, lets the payer pay (or cancel, or fail), and
 * answers what the client gets back. The merchant's server still learns the
 * outcome only from the notification or a query, as with the real clients,
 * whose synchronous result Alipay says not to trust.
 */
import type { KeyObject } from 'node:crypto';
import { beijingDateTime, signRsa2 } from '../../connectors/alipay/signature.ts';
import { productCodes, responseMemberName } from '../../connectors/alipay/wire.ts';
import { formatDecimal } from '../../domain/money.ts';
import type { Merchant, MethodContext, MethodResult, SimulatorState, Trade } from './trades.ts';
import { createTrade, findTrade, isTrade, settle } from './trades.ts';

/** What the payer does in the client: pays, fails to pay (the trade closes), or cancels and goes back (it stays open). */
export type ClientAction = 'pay' | 'decline' | 'leave';

/**
 * The app SDK's answer (`payV2` on Android, `payOrder` on iOS): resultStatus
 * 9000 paid, 4000 failed, 6001 canceled by the payer; `result` the signed
 * `alipay_trade_app_pay_response` text when paid.
 */
export interface AppPayResult {
  resultStatus: '9000' | '4000' | '6001';
  memo: string;
  result: string;
}

/** my.tradePay's answer: resultCode 9000 paid, 4000 failed, 6001 canceled. */
export interface TradePayResult {
  resultCode: '9000' | '4000' | '6001';
  memo: string;
}

/** Who is signed in to Alipay in the mini program: their user id or their open id under it. */
export interface MiniProgramBuyer {
  buyerId: string | null;
  buyerOpenId: string | null;
}

export interface ClientContext {
  state: SimulatorState;
  nowMs: number;
  alipayPrivateKey: KeyObject;
  checkRequest(params: Record<string, string>): { ok: true; merchant: Merchant; biz: Record<string, unknown> } | { ok: false; error: MethodResult };
  methodContext(merchant: Merchant, biz: Record<string, unknown>, params: Record<string, string>): MethodContext;
  payerActs(trade: Trade, action: ClientAction): boolean;
}

const appMethod = 'alipay.trade.app.pay';

/** The app SDK given an order string: verified as the gateway verifies a request, then the trade is made (or found again) and the payer acts. */
export function payInApp(context: ClientContext, orderString: string, action: ClientAction): AppPayResult {
  const failed = (memo: string): AppPayResult => ({ resultStatus: '4000', memo, result: '' });
  const params = Object.fromEntries(new URLSearchParams(orderString));
  if (params.method !== appMethod) return failed(`the order string is not ${appMethod}`);
  const checked = context.checkRequest(params);
  if (!checked.ok) return failed(`${checked.error.sub_code ?? checked.error.code}: ${checked.error.sub_msg ?? checked.error.msg}`);
  const trade = createTrade(context.methodContext(checked.merchant, checked.biz, params), productCodes[appMethod], true);
  if (!isTrade(trade)) return failed(`${trade.sub_code}: ${trade.sub_msg}`);
  context.payerActs(trade, action);
  if (action === 'leave') return { resultStatus: '6001', memo: '用户中途取消', result: '' };
  if (!isPaid(trade)) return failed('订单支付失败');
  return { resultStatus: '9000', memo: '', result: appPayResponse(context, checked.merchant, trade, params.charset ?? 'utf-8') };
}

/** `{"alipay_trade_app_pay_response":{…},"sign":"…","sign_type":"RSA2"}`, signed as gateway answers are: over the member's exact text. */
function appPayResponse(context: ClientContext, merchant: Merchant, trade: Trade, charset: string): string {
  const inner = JSON.stringify({
    code: '10000',
    msg: 'Success',
    app_id: merchant.appId,
    auth_app_id: merchant.appId,
    charset,
    timestamp: beijingDateTime(context.nowMs),
    out_trade_no: trade.outTradeNo,
    total_amount: formatDecimal(trade.totalAmount, 'CNY'),
    trade_no: trade.tradeNo,
    seller_id: merchant.sellerId,
  });
  return `{"${responseMemberName(appMethod)}":${inner},"sign":"${signRsa2(inner, context.alipayPrivateKey)}","sign_type":"RSA2"}`;
}

/**
 * my.tradePay({ tradeNO }) in a mini program: only a trade.create trade made
 * for this mini program (JSAPI_PAY) and for the payer signed in to it can be
 * paid there, as at Alipay, where the payer must be the trade's buyer.
 */
export function payInMiniProgram(
  context: ClientContext,
  request: { tradeNo: string; miniProgramAppId: string; buyer: MiniProgramBuyer; action: ClientAction },
): TradePayResult {
  const failed = (memo: string): TradePayResult => ({ resultCode: '4000', memo });
  const trade = findTrade(context.state, { trade_no: request.tradeNo });
  if (trade === undefined || trade.product !== productCodes['alipay.trade.create']) return failed('交易不存在');
  if ((trade.miniProgramAppId ?? null) !== request.miniProgramAppId) return failed('the trade was made for another mini program');
  const { buyerId = null, buyerOpenId = null } = trade;
  const sameBuyer = (buyerId !== null && buyerId === request.buyer.buyerId) || (buyerOpenId !== null && buyerOpenId === request.buyer.buyerOpenId);
  if (!sameBuyer) return failed('the trade was made for another Alipay user');
  settle(trade, context.nowMs);
  if (trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED') return failed('交易已被支付');
  if (trade.status === 'TRADE_CLOSED') return failed('交易已经关闭');
  context.payerActs(trade, request.action);
  if (request.action === 'leave') return { resultCode: '6001', memo: '用户中途取消' };
  return isPaid(trade) ? { resultCode: '9000', memo: '' } : failed('订单支付失败');
}

/** Read after the payer acted (a function, so that the status read before is not taken for it). */
function isPaid(trade: Trade): boolean {
  return trade.status === 'TRADE_SUCCESS';
}
