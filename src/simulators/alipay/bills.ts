/** Bills of the simulated Alipay: the download URL answer and the ZIP of GBK CSV files Alipay serves, built from the trades and refunds of a day. */
import { businessFailure, billsMax, invalidArguments, ok, text, yuan, type Merchant, type MethodContext, type MethodResult, type SimulatorState, type Trade } from './trades.ts';
import { randomBytes } from 'node:crypto';
import { beijingDate, beijingDateTime } from '../../connectors/alipay/signature.ts';
import { billDetailColumns, billFileSuffixes, billKinds, billSummaryColumns, subCodes } from '../../connectors/alipay/wire.ts';
import { encodeGbk, zipArchive } from './bill-archive.ts';
import { quotedField } from '../../domain/csv.ts';

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
  const day = billDate.replaceAll('-', '');
  // Alipay names the archive and its files after the account (pid + 0156) and the day.
  const account = `${context.merchant.sellerId}0156`;
  const fileName = `${account}_${day}`;
  bills.set(token, billArchive(context.state, context.merchant, billDate, fileName, context.nowMs));
  const query = new URLSearchParams({
    bizType: 'trade',
    userId: account,
    fileType: 'csv.zip',
    bizDates: day,
    downloadFileName: `${fileName}.csv.zip`,
    fileId: `/trade/${account}/${day}.csv.zip`,
    timestamp: String(context.nowMs),
    token,
  });
  return ok({ bill_download_url: `${context.baseUrl}/downloadBillFile.resource?${query.toString()}` });
}

/** `2026年10月03日 00:00:00`, as the bill's header lines write a time. */
export function billTime(ms: number): string {
  const [date = '', time = ''] = beijingDateTime(ms).split(' ');
  const [year, month, day] = date.split('-');
  return `${year}年${month}月${day}日 ${time}`;
}

/** Identifiers carry a trailing tab in Alipay's bill, so that spreadsheets keep them as text. */
export const identifier = (value: string): string => (value === '' ? '' : `${value}\t`);

/** The day's bill: the detail and summary files (layout in connectors/alipay/wire.ts), GBK, zipped. */
export function billArchive(state: SimulatorState, merchant: Merchant, billDate: string, fileName: string, nowMs: number): Buffer {
  const dayStartMs = Date.parse(`${billDate}T00:00:00+08:00`);
  const period = `#起始日期：[${billTime(dayStartMs)}]   终止日期：[${billTime(dayStartMs + 24 * 60 * 60 * 1000)}]`;
  const account = `#账号：[${merchant.sellerId}0156]`;
  const exported = `#导出时间：[${billTime(nowMs)}]`;
  const rows = billRows(state, merchant, billDate);
  const payments = rows.filter((row) => row.kind === 'payment');
  const refunds = rows.filter((row) => row.kind === 'refund');
  const received = rows.reduce((sum, row) => sum + row.signedAmount, 0n);
  const detail = [
    '#支付宝业务明细查询',
    account,
    period,
    '#-----------------------------------------业务明细列表----------------------------------------',
    billDetailColumns.join(','),
    ...rows.map((row) => row.cells.join(',')),
    '#-----------------------------------------业务明细列表结束------------------------------------',
    `#交易合计：${payments.length}笔，商家实收共${signedYuan(payments.reduce((sum, row) => sum + row.signedAmount, 0n))}元，商家优惠共0.00元`,
    `#退款合计：${refunds.length}笔，商家实收退款共${signedYuan(refunds.reduce((sum, row) => sum + row.signedAmount, 0n))}元，商家优惠退款共0.00元`,
    exported,
  ];
  const summaryTotals = [
    '',
    '合计',
    String(payments.length),
    String(refunds.length),
    signedYuan(received),
    signedYuan(received),
    '0.00',
    '0.00',
    '0.00',
    '0.00',
    '0.00',
    signedYuan(received),
  ];
  const summary = [
    '#支付宝业务汇总查询',
    account,
    period,
    '#-----------------------------------------业务汇总列表----------------------------------------',
    billSummaryColumns.join(','),
    summaryTotals.join(','),
    '#-----------------------------------------业务汇总列表结束------------------------------------',
    exported,
  ];
  // Windows line ends, as the files are made for Excel on Chinese Windows.
  const file = (lines: string[]): Buffer => encodeGbk(`${lines.join('\r\n')}\r\n`);
  return zipArchive(
    [
      { name: `${fileName}${billFileSuffixes.detail}`, data: file(detail) },
      { name: `${fileName}${billFileSuffixes.summary}`, data: file(summary) },
    ],
    beijingDateTime(nowMs),
  );
}

export const signedYuan = (amount: bigint): string => (amount < 0n ? `-${yuan(-amount)}` : yuan(amount));

export interface BillRow {
  atMs: number;
  kind: 'payment' | 'refund';
  signedAmount: bigint;
  cells: string[];
}

export function billRows(state: SimulatorState, merchant: Merchant, billDate: string): BillRow[] {
  const rows: BillRow[] = [];
  const row = (trade: Trade, kind: 'payment' | 'refund', signedAmount: bigint, atMs: number, refundNumber: string): BillRow => {
    const cells: Record<(typeof billDetailColumns)[number], string> = {
      支付宝交易号: identifier(trade.tradeNo),
      商户订单号: identifier(trade.outTradeNo),
      业务类型: kind === 'payment' ? billKinds.payment : billKinds.refund,
      商品名称: trade.subject,
      创建时间: beijingDateTime(trade.createdAtMs),
      完成时间: beijingDateTime(atMs),
      门店编号: '',
      门店名称: '',
      操作员: '',
      终端号: '',
      对方账户: 'buy***@example.com',
      '订单金额（元）': signedYuan(signedAmount),
      '商家实收（元）': signedYuan(signedAmount),
      '支付宝红包（元）': '0.00',
      '集分宝（元）': '0.00',
      '支付宝优惠（元）': '0.00',
      '商家优惠（元）': '0.00',
      '券核销金额（元）': '0.00',
      券名称: '',
      '商家红包消费金额（元）': '0.00',
      '卡消费金额（元）': '0.00',
      '退款批次号/请求号': identifier(refundNumber),
      '服务费（元）': '0.00',
      '分润（元）': '0.00',
      备注: '',
    };
    // A cell holding a comma, a quote or a line break (a subject may) is quoted, as CSV writers do.
    return { atMs, kind, signedAmount, cells: billDetailColumns.map((name) => quotedField(cells[name])) };
  };
  for (const trade of state.trades.values()) {
    if (trade.appId !== merchant.appId) continue;
    if (trade.paidAtMs !== null && beijingDate(trade.paidAtMs) === billDate) rows.push(row(trade, 'payment', trade.totalAmount, trade.paidAtMs, ''));
    for (const each of trade.refunds) {
      if (beijingDate(each.atMs) === billDate) rows.push(row(trade, 'refund', -each.amount, each.atMs, each.outRequestNo));
    }
  }
  return rows.sort((a, b) => a.atMs - b.atMs);
}
