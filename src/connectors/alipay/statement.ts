/** Alipay's trade bill: fetched from the URL the bill query answers with, and read. */
import type { ConnectorAccount, StatementLine, StatementOutcome } from '../connector.ts';
import { limits } from '../../domain/limits.ts';
import { parseDecimal } from '../../domain/money.ts';
import { failureWithoutAnswer, type HttpExchange } from '../http-exchange.ts';
import { parseBeijingDateTime } from './signature.ts';
import { billColumns, billKinds } from './wire.ts';

/** Alipay bills are in yuan. */
const currency = 'CNY';

export async function fetchStatement(exchange: HttpExchange, account: ConnectorAccount, url: string, timeoutMs: number): Promise<StatementOutcome> {
  // The download URL comes from Alipay's answer; the exchange still holds it to the account's address rules.
  const result = await exchange.send({
    mode: account.mode,
    url,
    method: 'GET',
    headers: {},
    timeoutMs,
    responseBytesMax: limits.providerStatementBytesMax,
    overLimit: 'fail',
    peer: 'alipay bill download',
  });
  if (result.kind !== 'answered') return failureWithoutAnswer(result);
  if (result.status !== 200) return { kind: 'unknown', detail: `bill download answered HTTP ${result.status}` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(result.body);
  } catch {
    return { kind: 'unknown', detail: 'bill unreadable' };
  }
  const lines = parseBill(text);
  return lines === null ? { kind: 'unknown', detail: 'bill unreadable' } : { kind: 'statement', lines };
}

/** Reads the bill layout described in wire.ts; null when any row is unreadable. */
export function parseBill(text: string): StatementLine[] | null {
  const rows = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').map((cell) => cell.trim()));
  const header = rows.shift();
  if (header === undefined) return null;
  const column = (name: string): number => header.indexOf(name);
  const at = {
    tradeNo: column(billColumns.tradeNo),
    outTradeNo: column(billColumns.outTradeNo),
    kind: column(billColumns.kind),
    amount: column(billColumns.amount),
    completedAt: column(billColumns.completedAt),
    refundNumber: column(billColumns.refundNumber),
  };
  if (Object.values(at).some((index) => index < 0)) return null;
  const lines: StatementLine[] = [];
  for (const row of rows) {
    const cell = (index: number): string => row[index] ?? '';
    const kind = cell(at.kind) === billKinds.payment ? 'payment' : cell(at.kind) === billKinds.refund ? 'refund' : null;
    const amount = parseDecimal(cell(at.amount).replace(/^-/, ''), currency);
    const occurredAt = parseBeijingDateTime(cell(at.completedAt));
    const refundNumber = cell(at.refundNumber);
    if (kind === null || amount === null || occurredAt === null || cell(at.tradeNo) === '' || cell(at.outTradeNo) === '') return null;
    if (kind === 'refund' && refundNumber === '') return null;
    lines.push({
      orderNumber: cell(at.outTradeNo),
      reference: cell(at.tradeNo),
      kind,
      refundNumber: kind === 'refund' ? refundNumber : null,
      amount,
      occurredAt,
    });
  }
  return lines;
}
