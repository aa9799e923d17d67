/**
 * Alipay's wire protocol as both sides see it: the gateway's common parameters,
 * the response envelope and its codes, the trade states, and the statement
 * (bill) layout. The simulated Alipay imports these names too, so both sides
 * describe one protocol; the connector still checks every answer at run time.
 */

export const alipayMethods = [
  'alipay.trade.precreate',
  'alipay.trade.page.pay',
  'alipay.trade.query',
  'alipay.trade.close',
  'alipay.trade.refund',
  'alipay.trade.fastpay.refund.query',
  'alipay.data.dataservice.bill.downloadurl.query',
] as const;
export type AlipayMethod = (typeof alipayMethods)[number];

export const tradeStatuses = ['WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_FINISHED', 'TRADE_CLOSED'] as const;
export type TradeStatus = (typeof tradeStatuses)[number];

/** `alipay.trade.query` → `alipay_trade_query_response`. */
export function responseMemberName(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/** Where Alipay puts an answer it could not route to a method (an unknown method, say). */
export const errorResponseMemberName = 'error_response';

/** The gateway's result codes. */
export const resultCodes = {
  success: '10000',
  serviceUnavailable: '20000',
  /** Missing or invalid parameters, including a signature that fails (isv.invalid-signature). */
  invalidArguments: '40002',
  businessFailure: '40004',
} as const;

/** Business failure codes (`sub_code` of 40004) that both sides use. */
export const subCodes = {
  tradeNotExist: 'ACQ.TRADE_NOT_EXIST',
  tradeStatusError: 'ACQ.TRADE_STATUS_ERROR',
  /** Alipay's answer to a refund beyond what remains: "退款金额超限". */
  refundAmountExceeded: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
  contextInconsistent: 'ACQ.CONTEXT_INCONSISTENT',
  systemError: 'ACQ.SYSTEM_ERROR',
  invalidSignature: 'isv.invalid-signature',
  invalidAppId: 'isv.invalid-app-id',
  invalidMethod: 'isv.invalid-method',
  missingParameter: 'isv.missing-parameter',
  billNotExist: 'isp.bill_not_exist',
} as const;

export const refundStatusSuccess = 'REFUND_SUCCESS';

/**
 * The statement the simulator serves for `bill_download_url`: a simplified
 * Alipay trade bill (业务明细). Lines starting with `#` are comments (the real
 * bill has a title block above and a summary below); then a header row with
 * these columns, then one row per payment (交易) or refund (退款). Amounts are
 * yuan with two decimals; a refund row holds the refunded amount. Times are
 * `yyyy-MM-dd HH:mm:ss` Beijing time. The real bill is a zipped GBK CSV with
 * more columns; the connector reads columns by name, so extra ones are ignored.
 */
export const billColumns = {
  tradeNo: '支付宝交易号',
  outTradeNo: '商户订单号',
  kind: '业务类型',
  amount: '订单金额(元)',
  completedAt: '完成时间',
  refundNumber: '退款批次号',
} as const;

export const billKinds = { payment: '交易', refund: '退款' } as const;
