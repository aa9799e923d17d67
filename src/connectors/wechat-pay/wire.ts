/**
 * WeChat Pay API v3's wire format (shared/PROTOCOLS.md "WeChat Pay API v3")
 * and how its answers map onto connector outcomes. The simulator imports
 * these types, the trade bill layout and the time format too, so both sides
 * describe one protocol; the parsers still check every answer at run time.
 *
 * An answer we cannot fully read maps to `unknown`, never to success or failure.
 */
import type { OrderState, RefundOutcome, StatementLine } from '../connector.ts';
import { parseDecimal } from '../../domain/money.ts';

export const tradeStates = ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR'] as const;
export type WireTradeState = (typeof tradeStates)[number];

export const refundStatuses = ['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL'] as const;
export type WireRefundStatus = (typeof refundStatuses)[number];

export const refundEventTypes = ['REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED'] as const;
export type WireEventType = 'TRANSACTION.SUCCESS' | (typeof refundEventTypes)[number];

/** The body of `POST /v3/pay/transactions/native`, `/h5` and `/jsapi`. */
export interface WireOrderRequest {
  appid: string;
  mchid: string;
  description: string;
  out_trade_no: string;
  /** Optional at WeChat; we always send the payment's expiry. */
  time_expire?: string;
  notify_url: string;
  amount: { total: number; currency: 'CNY' };
  scene_info?: { payer_client_ip: string; h5_info?: { type: string } };
  /** JSAPI only: who pays. */
  payer?: { openid: string };
}

/** A transaction as a query answers it, and as a TRANSACTION.* notification carries it (decrypted). */
export interface WireTransaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_type?: string;
  trade_state: WireTradeState;
  trade_state_desc: string;
  success_time?: string;
  amount: { total: number; payer_total?: number; currency: string; payer_currency?: string };
  payer?: { openid: string };
}

/** The body of `POST /v3/refund/domestic/refunds`. */
export interface WireRefundRequest {
  out_trade_no: string;
  out_refund_no: string;
  reason?: string;
  notify_url?: string;
  amount: { refund: number; total: number; currency: 'CNY' };
}

/** A refund as the refund endpoints answer it. */
export interface WireRefund {
  refund_id: string;
  out_refund_no: string;
  transaction_id: string;
  out_trade_no: string;
  channel: string;
  user_received_account: string;
  success_time?: string;
  create_time: string;
  status: WireRefundStatus;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number; currency: string };
}

/** A refund as a REFUND.* notification carries it (decrypted). */
export interface WireRefundNotice {
  mchid: string;
  out_trade_no: string;
  transaction_id: string;
  out_refund_no: string;
  refund_id: string;
  refund_status: WireRefundStatus;
  success_time?: string;
  user_received_account: string;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number };
}

export interface WireNotification {
  id: string;
  create_time: string;
  event_type: string;
  resource_type: 'encrypt-resource';
  summary: string;
  resource: {
    algorithm: 'AEAD_AES_256_GCM';
    original_type: 'transaction' | 'refund';
    ciphertext: string;
    nonce: string;
    associated_data: string;
  };
}

/** Every error answer: `{"code":"PARAM_ERROR","message":"…"}`. */
export interface WireError {
  code: string;
  message: string;
}

/** The answer of `GET /v3/bill/tradebill`. */
export interface WireBillLink {
  hash_type: 'SHA1';
  hash_value: string;
  download_url: string;
}

// ---------------------------------------------------------------------------
// Time: WeChat speaks RFC 3339 in Beijing time (+08:00).

const beijingOffsetMs = 8 * 60 * 60 * 1000;

/** `2026-06-15T20:00:00+08:00` */
export function beijingRfc3339(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000 + beijingOffsetMs).toISOString().slice(0, 19)}+08:00`;
}

/** `2026-06-15`, the Beijing calendar day of an instant. */
export function beijingDate(ms: number): string {
  return new Date(ms + beijingOffsetMs).toISOString().slice(0, 10);
}

function parseTime(text: unknown): Date | null {
  if (typeof text !== 'string') return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

// ---------------------------------------------------------------------------
// Parsing: `unknown` JSON in, a typed object or null out.

type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFen(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

export function parseTransaction(value: unknown): WireTransaction | null {
  if (!isObject(value) || !isObject(value.amount)) return null;
  const { appid, mchid, out_trade_no, transaction_id, trade_state, success_time } = value;
  const valid =
    typeof appid === 'string' &&
    typeof mchid === 'string' &&
    typeof out_trade_no === 'string' &&
    isOneOf(tradeStates, trade_state) &&
    (transaction_id === undefined || typeof transaction_id === 'string') &&
    (success_time === undefined || typeof success_time === 'string') &&
    isFen(value.amount.total) &&
    typeof value.amount.currency === 'string';
  if (!valid) return null;
  return {
    appid, mchid, out_trade_no, trade_state,
    trade_state_desc: typeof value.trade_state_desc === 'string' ? value.trade_state_desc : '',
    ...(transaction_id === undefined ? {} : { transaction_id }),
    ...(success_time === undefined ? {} : { success_time }),
    amount: { total: value.amount.total as number, currency: value.amount.currency as string },
  };
}

export function parseRefund(value: unknown): WireRefund | null {
  if (!isObject(value) || !isObject(value.amount)) return null;
  const { refund_id, out_refund_no, transaction_id, out_trade_no, status, create_time } = value;
  const amount = value.amount;
  const valid =
    typeof refund_id === 'string' &&
    typeof out_refund_no === 'string' &&
    typeof transaction_id === 'string' &&
    typeof out_trade_no === 'string' &&
    typeof create_time === 'string' &&
    isOneOf(refundStatuses, status) &&
    isFen(amount.total) &&
    isFen(amount.refund) &&
    amount.refund <= amount.total;
  if (!valid) return null;
  return {
    refund_id, out_refund_no, transaction_id, out_trade_no, create_time, status,
    channel: typeof value.channel === 'string' ? value.channel : '',
    user_received_account: typeof value.user_received_account === 'string' ? value.user_received_account : '',
    ...(typeof value.success_time === 'string' ? { success_time: value.success_time } : {}),
    amount: {
      total: amount.total as number,
      refund: amount.refund as number,
      payer_total: isFen(amount.payer_total) ? amount.payer_total : (amount.total as number),
      payer_refund: isFen(amount.payer_refund) ? amount.payer_refund : (amount.refund as number),
      currency: typeof amount.currency === 'string' ? amount.currency : 'CNY',
    },
  };
}

export function parseRefundNotice(value: unknown): WireRefundNotice | null {
  if (!isObject(value) || !isObject(value.amount)) return null;
  const { mchid, out_trade_no, transaction_id, out_refund_no, refund_id, refund_status } = value;
  const amount = value.amount;
  const valid =
    typeof mchid === 'string' &&
    typeof out_trade_no === 'string' &&
    typeof transaction_id === 'string' &&
    typeof out_refund_no === 'string' &&
    typeof refund_id === 'string' &&
    isOneOf(refundStatuses, refund_status) &&
    isFen(amount.total) &&
    isFen(amount.refund);
  if (!valid) return null;
  return {
    mchid, out_trade_no, transaction_id, out_refund_no, refund_id, refund_status,
    user_received_account: typeof value.user_received_account === 'string' ? value.user_received_account : '',
    ...(typeof value.success_time === 'string' ? { success_time: value.success_time } : {}),
    amount: { total: amount.total as number, refund: amount.refund as number, payer_total: 0, payer_refund: 0 },
  };
}

export function parseNotification(value: unknown): WireNotification | null {
  if (!isObject(value) || !isObject(value.resource)) return null;
  const { id, create_time, event_type, resource_type, summary } = value;
  const { algorithm, original_type, ciphertext, nonce, associated_data } = value.resource;
  const valid =
    typeof id === 'string' &&
    id !== '' &&
    typeof event_type === 'string' &&
    resource_type === 'encrypt-resource' &&
    algorithm === 'AEAD_AES_256_GCM' &&
    (original_type === 'transaction' || original_type === 'refund') &&
    typeof ciphertext === 'string' &&
    typeof nonce === 'string' &&
    typeof associated_data === 'string';
  if (!valid) return null;
  return {
    id, event_type, resource_type,
    create_time: typeof create_time === 'string' ? create_time : '',
    summary: typeof summary === 'string' ? summary : '',
    resource: { algorithm, original_type, ciphertext, nonce, associated_data },
  };
}

export function parseBillLink(value: unknown): WireBillLink | null {
  if (!isObject(value)) return null;
  const { hash_type, hash_value, download_url } = value;
  if (hash_type !== 'SHA1' || typeof hash_value !== 'string' || typeof download_url !== 'string') return null;
  return { hash_type, hash_value, download_url };
}

/** The `code` of an error body, or null when the body is not one. */
export function errorCodeOf(value: unknown): string | null {
  return isObject(value) && typeof value.code === 'string' ? value.code : null;
}

// ---------------------------------------------------------------------------
// Mapping onto connector outcomes.

/** What a transaction's trade_state means for the order. */
export function orderState(transaction: WireTransaction): OrderState {
  switch (transaction.trade_state) {
    case 'SUCCESS':
    case 'REFUND': {
      // REFUND: paid, then (partly) refunded; the refunds are tracked apart.
      if (transaction.transaction_id === undefined) return { kind: 'unknown', detail: `${transaction.trade_state} without transaction_id` };
      return {
        kind: 'paid',
        reference: transaction.transaction_id,
        amountPaid: BigInt(transaction.amount.total),
        paidAt: parseTime(transaction.success_time),
      };
    }
    case 'NOTPAY':
    case 'USERPAYING':
      return { kind: 'pending' };
    case 'CLOSED':
    case 'REVOKED':
      return { kind: 'closed' };
    case 'PAYERROR':
      return { kind: 'failed', detail: `PAYERROR${transaction.trade_state_desc === '' ? '' : `: ${transaction.trade_state_desc}`}` };
  }
}

export function refundOutcome(status: WireRefundStatus, refundId: string): RefundOutcome {
  switch (status) {
    case 'SUCCESS':
      return { kind: 'succeeded', reference: refundId };
    case 'PROCESSING':
      return { kind: 'pending', reference: refundId };
    case 'CLOSED':
    case 'ABNORMAL':
      return { kind: 'failed', reason: status };
  }
}

// ---------------------------------------------------------------------------
// The trade bill (交易账单), `bill_type=ALL`.
//
// The file is CSV: one header row, then one row per payment or refund whose
// every field starts with a backtick (so spreadsheets keep long numbers as
// text; the last, 费率备注, is often the backtick alone), then a summary
// header (`总交易单数,…`) and its one row. Amounts are yuan with two decimals
// (fees five). Lines end CRLF or LF, and a UTF-8 BOM may come first. Columns
// are found by their header, not their position, so a bill with more columns
// still reads. A refund row counts only once its 退款状态 is SUCCESS.

export const tradeBillColumns = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型',
  '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
] as const;
export type TradeBillColumn = (typeof tradeBillColumns)[number];

export const tradeBillSummaryColumns = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'] as const;

/** One data row as text (the fields without their backticks). */
export function tradeBillRow(fields: Partial<Record<TradeBillColumn, string>>): string {
  // A comma inside a field would shift the columns of a reader that splits on
  // commas; WeChat's own bill has the same weakness, so the writer avoids it.
  return tradeBillColumns.map((column) => `\`${(fields[column] ?? '').replaceAll(',', '，')}`).join(',');
}

/** Splits a data row: every field starts with a backtick, so `,\`` separates them. */
function splitBillRow(line: string): string[] | null {
  if (!line.startsWith('`')) return null;
  return line.slice(1).split(',`');
}

/**
 * Reads the statement lines of a trade bill; null when the text is not one
 * (missing columns, a malformed row or amount), so the caller answers unknown.
 */
export function parseTradeBill(text: string): StatementLine[] | null {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0]?.split(',').map((name) => name.trim());
  if (header === undefined) return null;
  const column = (name: TradeBillColumn): number => header.indexOf(name);
  const needed: TradeBillColumn[] = ['交易时间', '微信订单号', '商户订单号', '交易状态', '订单金额', '微信退款单号', '商户退款单号', '退款金额'];
  if (needed.some((name) => column(name) < 0)) return null;
  const result: StatementLine[] = [];
  let summarySeen = false;
  for (const line of lines.slice(1)) {
    if (line.startsWith(tradeBillSummaryColumns[0])) {
      summarySeen = true;
      break;
    }
    const fields = splitBillRow(line);
    if (fields === null || fields.length < header.length) return null;
    const field = (name: TradeBillColumn): string => (fields[column(name)] ?? '').trim();
    const occurredAt = parseTime(`${field('交易时间').replace(' ', 'T')}+08:00`);
    if (occurredAt === null) return null;
    const isRefund = field('交易状态') === 'REFUND';
    // A refund still PROCESSING (or one that went ABNORMAL) is listed too; only a refund that succeeded moved money.
    if (isRefund && column('退款状态') >= 0 && field('退款状态') !== 'SUCCESS') continue;
    const amount = parseDecimal(field(isRefund ? '退款金额' : '订单金额'), 'CNY');
    if (amount === null) return null;
    result.push({
      orderNumber: field('商户订单号'),
      reference: field(isRefund ? '微信退款单号' : '微信订单号'),
      kind: isRefund ? 'refund' : 'payment',
      refundNumber: isRefund ? field('商户退款单号') : null,
      amount,
      occurredAt,
    });
  }
  // A bill without its summary was cut short: its rows cannot be trusted to be all.
  return summarySeen ? result : null;
}
