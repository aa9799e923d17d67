/**
 * Alipay's wire protocol as both sides see it: the gateway's common parameters,
 * the response envelope and its codes, the trade states, and the statement
 * (bill) layout. The simulated Alipay imports these names too, so both sides
 * describe one protocol; the connector still checks every answer at run time.
 */

export const alipayMethods = [
  'alipay.trade.precreate',
  'alipay.trade.page.pay',
  'alipay.trade.wap.pay',
  'alipay.trade.app.pay',
  'alipay.trade.create',
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

/**
 * trade.create's answers (40004) that refuse the buyer it names: the seller's
 * own account, a buyer Alipay does not let pay, or one over a payment limit.
 * No trade was made, so nothing can be paid: a refusal, not a doubt.
 */
export const buyerRefusalSubCodes = [
  'ACQ.BUYER_SELLER_EQUAL',
  'ACQ.BUYER_ENABLE_STATUS_FORBID',
  'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR',
  'ACQ.BUYER_PAYMENT_AMOUNT_MONTH_LIMIT_ERROR',
  'ACQ.ERROR_BUYER_CERTIFY_LEVEL_LIMIT',
] as const;

export const refundStatusSuccess = 'REFUND_SUCCESS';

/**
 * The methods the merchant's server signs but never sends: the payer's client
 * carries them to Alipay (app.pay's order string goes through Alipay's app SDK).
 */
export const clientMethods = ['alipay.trade.page.pay', 'alipay.trade.wap.pay', 'alipay.trade.app.pay'] as const satisfies readonly AlipayMethod[];

/** The methods a payer's browser carries to the gateway (a link or an auto-submitting form), not the merchant's server. */
export const browserMethods = ['alipay.trade.page.pay', 'alipay.trade.wap.pay'] as const satisfies readonly AlipayMethod[];
export type BrowserMethod = (typeof browserMethods)[number];

/**
 * product_code of each way of paying: 当面付 (QR code), 电脑网站支付, 手机网站支付,
 * APP支付 (the app's SDK takes the order string), and JSAPI支付 (a mini
 * program: trade.create for a named buyer, then my.tradePay with its
 * trade_no; trade.create without a product_code is 当面付).
 */
export const productCodes = {
  'alipay.trade.precreate': 'FACE_TO_FACE_PAYMENT',
  'alipay.trade.page.pay': 'FAST_INSTANT_TRADE_PAY',
  'alipay.trade.wap.pay': 'QUICK_WAP_WAY',
  'alipay.trade.app.pay': 'QUICK_MSECURITY_PAY',
  'alipay.trade.create': 'JSAPI_PAY',
} as const;
export type ProductCode = (typeof productCodes)[keyof typeof productCodes];

/**
 * The trade bill (业务明细) as Alipay hands it out: `bill_download_url` answers
 * a ZIP (`<pid>0156_<yyyyMMdd>.csv.zip`) holding two GBK-encoded CSV files,
 * `…_业务明细.csv` (one row per payment or refund) and `…_业务明细(汇总).csv`
 * (totals per store). Each file opens with `#` lines (title, account, the
 * period, a dashed rule), then its header row and rows, then `#` summary lines
 * (another rule, 交易合计…, 导出时间…). Cells are CSV: one holding a comma, a
 * quote or a line break (a subject may) is quoted; identifiers carry a
 * trailing tab so that spreadsheets keep them as text. Amounts are yuan with
 * two decimals, negative on refund rows; times are `yyyy-MM-dd HH:mm:ss`
 * Beijing time. These are the detail file's columns, in Alipay's order; the
 * connector finds the ones it reads by name.
 */
export const billDetailColumns = [
  '支付宝交易号',
  '商户订单号',
  '业务类型',
  '商品名称',
  '创建时间',
  '完成时间',
  '门店编号',
  '门店名称',
  '操作员',
  '终端号',
  '对方账户',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
  '券名称',
  '商家红包消费金额（元）',
  '卡消费金额（元）',
  '退款批次号/请求号',
  '服务费（元）',
  '分润（元）',
  '备注',
] as const;

/** The detail columns the connector reads. */
export const billColumns = {
  tradeNo: '支付宝交易号',
  outTradeNo: '商户订单号',
  kind: '业务类型',
  amount: '订单金额（元）',
  completedAt: '完成时间',
  refundNumber: '退款批次号/请求号',
} as const satisfies Record<string, (typeof billDetailColumns)[number]>;

/** The summary file's columns (业务明细(汇总)), one row per store and a 合计 row. */
export const billSummaryColumns = [
  '门店编号',
  '门店名称',
  '交易订单总笔数',
  '退款订单总笔数',
  '订单金额（元）',
  '商家实收（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '卡消费金额（元）',
  '服务费（元）',
  '分润（元）',
  '实收净额（元）',
] as const;

export const billKinds = { payment: '交易', refund: '退款' } as const;

/** How the two files of a bill are named inside the archive. */
export const billFileSuffixes = { detail: '_业务明细.csv', summary: '_业务明细(汇总).csv' } as const;
