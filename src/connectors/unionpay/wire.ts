/**
 * The UnionPay acp 5.1.0 wire format, shared by the connector and the
 * simulator so both sides describe one protocol: field constants, Beijing
 * time, the two text encodings, the response codes and how they map onto
 * connector outcomes, and the statement (对账文件) layout.
 *
 * Two encodings are in use:
 * - requests and back notifications are ordinary HTML forms
 *   (`application/x-www-form-urlencoded`, URL-encoded);
 * - the synchronous answers of backTransReq/queryTrans/fileTransfer are
 *   `k=v&k=v` text that is NOT URL-encoded (acp_sdk
 *   `SDKUtil.convertResultStringToMap`): a value holding `&` is wrapped in
 *   `{}` or `[]`, so a split happens only at depth 0.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { readZip, type ZipEntry } from '../zip.ts';
import { assert } from '../../domain/assert.ts';
import type { UnionpayFields } from './signature.ts';

export const gatewayPaths = {
  front: '/gateway/api/frontTransReq.do',
  back: '/gateway/api/backTransReq.do',
  query: '/gateway/api/queryTrans.do',
  file: '/gateway/api/fileTransfer.do',
} as const;

/** Fields every message of ours carries. */
export const commonFields = { version: '5.1.0', encoding: 'UTF-8', signMethod: '01' } as const;

export const txnTypes = { query: '00', purchase: '01', refund: '04', cancel: '31', fileTransfer: '76' } as const;

/** CNY, the only currency of this product. */
export const currencyCodeCny = '156';

/** orderId at UnionPay: 8 to 40 letters and digits. */
export const orderIdPattern = /^[A-Za-z0-9]{8,40}$/;
const txnTimePattern = /^\d{14}$/;
const amountPattern = /^[1-9]\d{0,14}$/;

// ---------------------------------------------------------------------------
// Beijing time (UTC+8 all year: China has no daylight saving time).

const beijingOffsetMs = 8 * 60 * 60 * 1000;

/** `YYYYMMDDhhmmss` in Beijing time. */
export function formatBeijingTime(ms: number): string {
  const iso = new Date(ms + beijingOffsetMs).toISOString(); // 2026-01-01T08:00:00.000Z
  return iso.slice(0, 19).replace(/[-T:]/g, '');
}

/** The instant of a `YYYYMMDDhhmmss` Beijing time; null when malformed. */
export function parseBeijingTime(text: string): number | null {
  if (!txnTimePattern.test(text)) return null;
  const [year, month, day, hour, minute, second] = [0, 4, 6, 8, 10, 12].map((at, index) =>
    Number(text.slice(at, at + (index === 0 ? 4 : 2))),
  ) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - beijingOffsetMs;
  return formatBeijingTime(ms) === text ? ms : null; // refuses 20260231… and 246060
}

/** A positive fen amount as UnionPay writes it; null when malformed. */
export function parseFen(text: string | undefined): bigint | null {
  return text !== undefined && amountPattern.test(text) ? BigInt(text) : null;
}

// ---------------------------------------------------------------------------
// Encodings.

/** An HTML form body (requests, notifications): URL-encoded. */
export function encodeForm(fields: UnionpayFields): string {
  return new URLSearchParams(Object.entries(fields)).toString();
}

/** A form body; null when a field repeats (a message we cannot read unambiguously). */
export function parseForm(text: string): Record<string, string> | null {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(fields, name)) return null;
    fields[name] = value;
  }
  return fields;
}

/** A synchronous answer: raw `k=v&…`, values unencoded. Values must not hold `&` outside braces. */
export function encodeAnswer(fields: UnionpayFields): string {
  return Object.entries(fields)
    .map(([name, value]) => {
      assert(!value.includes('&') || /^[{[].*[}\]]$/.test(value), `answer field ${name} holds a bare &`);
      return `${name}=${value}`;
    })
    .join('&');
}

/** Bounds the answers we read; the biggest is a statement file. */
export const answerBytesMax = 8 * 1024 * 1024;

/** Parses a synchronous answer as the SDK does; null when it is not one (no `=`, a repeated field, unbalanced braces). */
export function parseAnswer(text: string): Record<string, string> | null {
  const fields: Record<string, string> = {};
  let depth = 0;
  let start = 0;
  const take = (end: number): boolean => {
    const pair = text.slice(start, end);
    start = end + 1;
    const at = pair.indexOf('=');
    if (at <= 0) return false;
    const name = pair.slice(0, at);
    if (Object.hasOwn(fields, name)) return false;
    fields[name] = pair.slice(at + 1);
    return true;
  };
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') depth -= 1;
    else if (char === '&' && depth === 0 && !take(index)) return null;
    if (depth < 0) return null;
  }
  if (depth !== 0 || !take(text.length)) return null;
  return fields;
}

// ---------------------------------------------------------------------------
// Response codes (acp 5.1.0; only `00` is verified beyond the SDK samples).

export const respCodes = {
  success: '00',
  failed: '01',
  systemClosed: '02',
  timeout: '03',
  statusUnknown: '04',
  accepted: '05',
  busy: '06',
  formatError: '10',
  signatureInvalid: '11',
  duplicate: '12',
  fieldMissing: '13',
  merchantInvalid: '31',
  amountOverLimit: '33',
  notFound: '34',
  originalInvalid: '35',
  originalMismatch: '36',
  /** fileTransfer: no file for that settlement date (yet). */
  fileNotReady: '98',
} as const;

/** Codes that say the request was accepted or is in flight: the outcome is not known yet. */
export const inFlightCodes: readonly string[] = [respCodes.timeout, respCodes.statusUnknown, respCodes.accepted];

/**
 * Codes that say the gateway refused the request before acting on it: nothing
 * moved. Anything not listed here, nor 00 nor in flight, is treated as unknown.
 */
export const refusedCodes: readonly string[] = [
  respCodes.failed,
  respCodes.formatError,
  respCodes.signatureInvalid,
  respCodes.fieldMissing,
  respCodes.merchantInvalid,
  respCodes.amountOverLimit,
  respCodes.originalInvalid,
  respCodes.originalMismatch,
];

/** Codes that say the gateway is not serving right now: nothing moved, a retry may work. */
export const unavailableCodes: readonly string[] = [respCodes.systemClosed, respCodes.busy];

// ---------------------------------------------------------------------------
// The statement (对账文件): fileTransfer.do, txnType 76, fileType 00.
//
// `fileContent` is base64 of the zlib-deflated bytes of a ZIP archive (the
// SDK's `deCodeFileContent` inflates it and writes it as `fileName`). The
// archive holds several fixed-width GBK text files, one record a line; the
// day's transactions are in the one whose name holds `ZM_` (the SDK's
// demo picks it by that), `INN<yyMMdd>88ZM_<merId>`; `ZME_` holds errors and
// adjustments and is not read here. A ZM record is the fields below, each its
// width in BYTES (GBK: a Chinese character takes two), one space between
// fields (the widths are those of the SDK's `parseZMFile`; the names those of
// 《全渠道平台接入接口规范 第3部分 文件接口》6.1).

export const zmFields = [
  ['tradeCode', 3, '交易代码'], ['acqInsCode', 11, '代理机构标识码'], ['sendInsCode', 11, '发送机构标识码'],
  ['traceNo', 6, '系统跟踪号'], ['txnTime', 10, '交易传输时间'], ['accNo', 19, '帐号'], ['txnAmt', 12, '交易金额'],
  ['merCatCode', 4, '商户类别'], ['termType', 2, '终端类型'], ['queryId', 21, '查询流水号'], ['oldPayType', 2, '支付方式（旧）'],
  ['orderId', 32, '商户订单号'], ['payCardType', 2, '支付卡类型'], ['origTraceNo', 6, '原始交易的系统跟踪号'],
  ['origTxnTime', 10, '原始交易日期时间'], ['merFee', 13, '商户手续费'], ['settleAmt', 13, '结算金额'], ['payType', 4, '支付方式'],
  ['groupMerId', 15, '集团商户代码'], ['txnType', 2, '交易类型'], ['txnSubType', 2, '交易子类'], ['bizType', 6, '业务类型'],
  ['accType', 2, '帐号类型'], ['billType', 4, '账单类型'], ['billNo', 32, '账单号码'], ['interactMode', 1, '交互方式'],
  ['origQryId', 21, '原交易查询流水号'], ['merId', 15, '商户代码'], ['splitType', 1, '分账入账方式'], ['subMerId', 15, '二级商户代码'],
  ['subMerAbbr', 32, '二级商户简称'], ['subMerAmt', 13, '二级商户分账入账金额'], ['settleNetAmt', 13, '清算净额'], ['termId', 8, '终端号'],
  ['merReserved', 32, '商户自定义域'], ['discountAmt', 13, '优惠金额'], ['invoiceAmt', 13, '发票金额'],
  ['installmentFee', 12, '分期付款附加手续费'], ['installments', 2, '分期付款期数'], ['tradeMedia', 1, '交易介质'],
  ['origOrderId', 32, '原始交易订单号'], ['reserved', 98, '保留使用'],
] as const;
export type ZmField = (typeof zmFields)[number][0];
/** A record's bytes: the widths and one separator between each two fields. */
export const zmRecordBytes = zmFields.reduce((sum, [, width]) => sum + width, 0) + zmFields.length - 1;

/** What a statement holds at most: entries in the archive, inflated bytes. */
export const statementEntriesMax = 16;
export const statementBytesMax = 64 * 1024 * 1024;

export interface StatementRow {
  /** 01 purchase, 04 refund (its orderId is the refund's own), 31 cancellation. */
  txnType: '01' | '04' | '31';
  orderId: string;
  queryId: string;
  /** The original payment's orderId (refunds), from 原始交易订单号 or found by origQryId in the same file; '' when neither tells. */
  origOrderId: string;
  amount: bigint;
  occurredAtMs: number;
}

/** One record's fields by name, each padded to its width (the caller encodes text, e.g. as GBK). */
export function zmRecord(values: Partial<Record<ZmField, string>>, encode: (text: string) => Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [index, [name, width]] of zmFields.entries()) {
    const bytes = encode(values[name] ?? '');
    assert(bytes.length <= width, `ZM field ${name} is ${width} bytes at most`);
    parts.push(bytes, Buffer.alloc(width - bytes.length, 0x20));
    if (index < zmFields.length - 1) parts.push(Buffer.from(' '));
  }
  return Buffer.concat(parts);
}

/** The fields of one record, trimmed and decoded from GBK; null when the line is too short to hold them. */
export function parseZmRecord(line: Buffer): Record<ZmField, string> | null {
  // The last field (reserved) may be cut short by a writer that trims trailing spaces.
  const neededBytes = zmRecordBytes - (zmFields.at(-1)?.[1] ?? 0);
  if (line.length < neededBytes) return null;
  const decoder = new TextDecoder('gbk');
  const record: Partial<Record<ZmField, string>> = {};
  let at = 0;
  for (const [name, width] of zmFields) {
    record[name] = decoder.decode(line.subarray(at, Math.min(at + width, line.length))).trim();
    at += width + 1;
  }
  return record as Record<ZmField, string>;
}

/** `fileContent` as the gateway sends it: base64 of the deflated archive. */
export function encodeFileContent(archive: Buffer): string {
  return deflateSync(archive).toString('base64');
}

/**
 * The rows of a statement; a string naming the problem when any part is
 * unreadable (the caller answers unknown). `date` is the settlement day,
 * `YYYY-MM-DD`: the records' times (MMDDhhmmss, Beijing) have no year.
 */
export function decodeStatement(
  fileContent: string,
  expect: { merId: string; date: string },
): { rows: StatementRow[] } | { error: string } {
  let archive: Buffer;
  try {
    archive = inflateSync(Buffer.from(fileContent, 'base64'), { maxOutputLength: statementBytesMax });
  } catch {
    return { error: 'fileContent does not inflate' };
  }
  const read = readZip(archive, { entriesMax: statementEntriesMax, inflatedBytesMax: statementBytesMax });
  if ('error' in read) return read;
  const files = read.entries.filter((entry) => entry.name.includes('ZM_') && !entry.name.includes('ZME_'));
  if (files.length !== 1) return { error: `the archive holds ${files.length} ZM files, not one` };
  const records: Record<ZmField, string>[] = [];
  for (const [index, line] of splitLines((files[0] as ZipEntry).data).entries()) {
    const record = parseZmRecord(line);
    if (record === null) return { error: `ZM record ${index + 1} is shorter than the layout` };
    records.push(record);
  }
  const paymentsByQueryId = new Map(records.filter((record) => record.txnType === '01').map((record) => [record.queryId, record.orderId]));
  const rows: StatementRow[] = [];
  for (const [index, record] of records.entries()) {
    if (record.txnType !== '01' && record.txnType !== '04' && record.txnType !== '31') continue; // not a kind of transaction this connector makes
    if (record.merId !== expect.merId) return { error: `ZM record ${index + 1} is another merchant's` };
    const amount = parseFen(record.txnAmt.replace(/^0+/, ''));
    const occurredAtMs = recordTime(record.txnTime, expect.date);
    if (!orderIdPattern.test(record.orderId) || record.queryId === '' || amount === null || occurredAtMs === null) {
      return { error: `ZM record ${index + 1} unreadable` };
    }
    const origOrderId = record.txnType === '01' ? '' : record.origOrderId || (paymentsByQueryId.get(record.origQryId) ?? '');
    rows.push({ txnType: record.txnType, orderId: record.orderId, queryId: record.queryId, origOrderId, amount, occurredAtMs });
  }
  return { rows };
}

/** Lines of a file, CRLF or LF, without the empty last one. */
function splitLines(data: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let at = 0; at <= data.length; at += 1) {
    if (at === data.length || data[at] === 0x0a) {
      const end = at > start && data[at - 1] === 0x0d ? at - 1 : at;
      if (end > start) lines.push(data.subarray(start, end));
      start = at + 1;
    }
  }
  return lines;
}

/** MMDDhhmmss in Beijing time, in the year that puts it on or before the settlement day. */
function recordTime(text: string, date: string): number | null {
  if (!/^\d{10}$/.test(text)) return null;
  const settleYear = Number(date.slice(0, 4));
  const year = text.slice(0, 4) > date.slice(5, 7) + date.slice(8, 10) ? settleYear - 1 : settleYear;
  return parseBeijingTime(`${year}${text}`);
}
