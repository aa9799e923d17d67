/**
 * Alipay's trade bill: fetched from the URL the bill query answers with, and
 * read in its real container (wire.ts "The trade bill"): a ZIP of GBK CSV
 * files, of which the detail file (业务明细) holds the rows.
 */
import type { ConnectorAccount, StatementLine, StatementOutcome } from '../connector.ts';
import { limits } from '../../domain/limits.ts';
import { parseCsv } from '../../domain/csv.ts';
import { parseDecimal } from '../../domain/money.ts';
import { failureWithoutAnswer, type HttpExchange } from '../http-exchange.ts';
import { parseBeijingDateTime } from './signature.ts';
import { billColumns, billKinds } from './wire.ts';
import { readZip } from '../zip.ts';

/** Alipay bills are in yuan. */
const currency = 'CNY';
/** A bill holds two files (detail and summary); a few more are tolerated, not hundreds. */
const billEntriesMax = 16;
/** The header row follows a title block of a few `#` lines. */
const headerSearchLinesMax = 32;

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
  const read = readBillArchive(result.body);
  return 'error' in read ? { kind: 'unknown', detail: `bill unreadable: ${read.error}` } : { kind: 'statement', lines: read.lines };
}

/** The lines of a downloaded bill archive, or why it cannot be read. */
export function readBillArchive(archive: Buffer): { lines: StatementLine[] } | { error: string } {
  const zip = readZip(archive, { entriesMax: billEntriesMax, inflatedBytesMax: limits.providerStatementBytesMax });
  if ('error' in zip) return zip;
  const details: StatementLine[][] = [];
  for (const entry of zip.entries) {
    if (!entry.name.toLowerCase().endsWith('.csv')) continue;
    let text: string;
    try {
      text = new TextDecoder('gbk', { fatal: true }).decode(entry.data);
    } catch {
      return { error: `${entry.name} is not GBK text` };
    }
    // The detail file is known by its header (its name's encoding varies with the tool that zipped it); the summary file has another header.
    if (!hasDetailHeader(text)) continue;
    const lines = parseBill(text);
    if (lines === null) return { error: `${entry.name} has a row that cannot be read` };
    details.push(lines);
  }
  if (details.length !== 1) return { error: `${details.length} detail files (业务明细) in the archive, one expected` };
  return { lines: details[0] ?? [] };
}

function hasDetailHeader(text: string): boolean {
  const header = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/, headerSearchLinesMax)
    .find((line) => line.trim() !== '' && !line.startsWith('#'));
  const cells = header === undefined ? null : parseCsv(header)?.[0]?.map((cell) => cell.trim());
  return cells !== undefined && cells !== null && cells.includes(billColumns.tradeNo) && cells.includes(billColumns.outTradeNo);
}

/**
 * The rows of a bill file, read as CSV (a cell holding a comma, a quote or a
 * line break is quoted): `#` lines (title, period, summary) and blank lines
 * left out, cells trimmed of the tabs Alipay pads identifiers with. Null when
 * the text is not CSV.
 */
function tableRows(text: string): string[][] | null {
  const records = parseCsv(text.replace(/^\uFEFF/, ''), { commentPrefix: '#' });
  return records === null ? null : records.map((record) => record.map((cell) => cell.trim()));
}

/** Half-width parentheses, as some exports have them, read as Alipay's full-width ones. */
function columnName(cell: string): string {
  return cell.replaceAll('(', '（').replaceAll(')', '）');
}

/** Reads the detail file's text (wire.ts); null when any row is unreadable, so that no row is ever skipped silently. */
export function parseBill(text: string): StatementLine[] | null {
  const rows = tableRows(text);
  const header = rows?.shift()?.map(columnName);
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
  for (const row of rows ?? []) {
    // A comma left unquoted in a cell (a subject, a note) shifts every column after it: the file is refused, not guessed at.
    if (row.length !== header.length) return null;
    const cell = (index: number): string => row[index] ?? '';
    const kind = cell(at.kind) === billKinds.payment ? 'payment' : cell(at.kind) === billKinds.refund ? 'refund' : null;
    const signed = cell(at.amount);
    // A refund row's amount is negative (its sign is not relied on); a payment's never is.
    const negative = signed.startsWith('-');
    const amount = parseDecimal(negative ? signed.slice(1) : signed, currency);
    const occurredAt = parseBeijingDateTime(cell(at.completedAt));
    const refundNumber = cell(at.refundNumber);
    if (kind === null || amount === null || occurredAt === null || cell(at.tradeNo) === '' || cell(at.outTradeNo) === '') return null;
    if (negative && kind === 'payment') return null;
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
