/**
 * The UnionPay acp 5.1.0 wire format, shared by the connector and the
 * simulator so both sides describe one protocol: field constants, Beijing
 * time, the two text encodings, the response codes and how they map onto
 * connector outcomes, and the statement file.
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
// The statement file (fileTransfer.do, fileType 00).
//
// The real gateway sends `fileContent` as base64 of a deflated ZIP holding
// several fixed-width files. We keep the transport (base64 of zlib-deflated
// bytes, as the SDK's `deCodeFileContent` inflates) and, inside, a simple
// line format of our own that the simulator writes:
//
//   # unionpay-statement v1 merId=<merId> settleDate=<MMDD>
//   <txnType>|<orderId>|<queryId>|<origOrderId>|<txnAmt fen>|<time YYYYMMDDhhmmss Beijing>
//
// txnType 01 (payment, origOrderId empty) or 04 (refund: orderId is the
// refund's own, origOrderId the payment's). Lines end with LF.

export interface StatementRow {
  txnType: '01' | '04';
  orderId: string;
  queryId: string;
  origOrderId: string;
  amount: bigint;
  occurredAtMs: number;
}

const statementHeaderPattern = /^# unionpay-statement v1 merId=([A-Za-z0-9]+) settleDate=(\d{4})$/;
/** Bounds an inflated statement. */
export const statementBytesMax = 64 * 1024 * 1024;

export function encodeStatement(merId: string, settleDate: string, rows: readonly StatementRow[]): string {
  const lines = [`# unionpay-statement v1 merId=${merId} settleDate=${settleDate}`];
  for (const row of rows) {
    lines.push([row.txnType, row.orderId, row.queryId, row.origOrderId, row.amount.toString(), formatBeijingTime(row.occurredAtMs)].join('|'));
  }
  return deflateSync(Buffer.from(`${lines.join('\n')}\n`, 'utf8')).toString('base64');
}

/** The rows of a statement; a string naming the problem when any part is unreadable. */
export function decodeStatement(
  fileContent: string,
  expect: { merId: string; settleDate: string },
): { rows: StatementRow[] } | { error: string } {
  let text: string;
  try {
    text = inflateSync(Buffer.from(fileContent, 'base64'), { maxOutputLength: statementBytesMax }).toString('utf8');
  } catch {
    return { error: 'fileContent does not inflate' };
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = statementHeaderPattern.exec(lines[0] ?? '');
  if (header === null) return { error: 'statement header unreadable' };
  if (header[1] !== expect.merId || header[2] !== expect.settleDate) return { error: 'statement of another merchant or day' };
  const rows: StatementRow[] = [];
  for (const [index, line] of lines.slice(1).entries()) {
    const row = parseStatementRow(line);
    if (row === null) return { error: `statement line ${index + 2} unreadable` };
    rows.push(row);
  }
  return { rows };
}

function parseStatementRow(line: string): StatementRow | null {
  const parts = line.split('|');
  if (parts.length !== 6) return null;
  const [txnType, orderId, queryId, origOrderId, amountText, timeText] = parts as [string, string, string, string, string, string];
  const amount = parseFen(amountText);
  const occurredAtMs = parseBeijingTime(timeText);
  if (txnType !== '01' && txnType !== '04') return null;
  if (!orderIdPattern.test(orderId) || queryId === '' || amount === null || occurredAtMs === null) return null;
  if (txnType === '01' ? origOrderId !== '' : !orderIdPattern.test(origOrderId)) return null;
  return { txnType, orderId, queryId, origOrderId, amount, occurredAtMs };
}
