/**
 * CSV as spreadsheets read it (RFC 4180): a header row, then one row per
 * record, fields quoted when they hold a comma, a quote or a line break.
 * A text field that a spreadsheet would run as a formula (=, +, -, @, tab,
 * carriage return) is prefixed with a single quote, so an export can never
 * execute anything; numbers are written as they are.
 */
export type CsvValue = string | number | bigint | boolean | null | undefined | Date;

export function toCsv(columns: readonly string[], rows: readonly Record<string, CsvValue>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvField(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  let text = value instanceof Date ? value.toISOString() : value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return quotedField(text);
}

/** A field quoted only as RFC 4180 needs (a comma, a quote or a line break in it), with no formula defusing: for files in a provider's own layout. */
export function quotedField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface CsvReadOptions {
  /** Lines that start with this where a record would start are left out (a provider's title and summary lines). */
  commentPrefix?: string;
}

/**
 * Reads CSV text into records (RFC 4180): a field that opens with a quote
 * runs to its closing quote, holding commas, doubled quotes and line breaks;
 * a quote inside a field that did not open with one is kept as it is, as
 * spreadsheets keep it. Blank lines are left out. Null when the text is not
 * CSV (a quote left open, text after a closing quote): a reader must then
 * refuse the file rather than guess.
 */
export function parseCsv(text: string, options: CsvReadOptions = {}): string[][] | null {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  /** Whether the field being read was quoted: `""` is a field even though it is empty. */
  let quoted = false;
  const endField = (): void => {
    record.push(field);
    field = '';
    quoted = false;
  };
  const endRecord = (): void => {
    const blank = record.length === 0 && field === '' && !quoted;
    endField();
    if (!blank) records.push(record);
    record = [];
  };
  const fieldEnd = /[,\r\n]/g;
  let index = 0;
  while (index < text.length) {
    const atFieldStart = field === '' && !quoted;
    if (atFieldStart && record.length === 0 && options.commentPrefix !== undefined && text.startsWith(options.commentPrefix, index)) {
      const lineEnd = text.indexOf('\n', index);
      index = lineEnd < 0 ? text.length : lineEnd + 1;
      continue;
    }
    const char = text[index] ?? '';
    if (char === '"' && atFieldStart) {
      const closed = readQuoted(text, index + 1);
      if (closed === null) return null;
      const after = text[closed.next];
      if (after !== undefined && after !== ',' && after !== '\r' && after !== '\n') return null;
      field = closed.value;
      quoted = true;
      index = closed.next;
    } else if (char === ',') {
      endField();
      index += 1;
    } else if (char === '\r' || char === '\n') {
      endRecord();
      index += char === '\r' && text[index + 1] === '\n' ? 2 : 1;
    } else {
      // The run up to the next separator at once: a quote inside it is kept as it is.
      fieldEnd.lastIndex = index;
      const end = fieldEnd.exec(text)?.index ?? text.length;
      field += text.slice(index, end);
      index = end;
    }
  }
  if (field !== '' || quoted || record.length > 0) endRecord();
  return records;
}

/** The text of a quoted field from just after its opening quote, and where reading goes on; null when it never closes. */
function readQuoted(text: string, start: number): { value: string; next: number } | null {
  let value = '';
  let index = start;
  for (;;) {
    const quote = text.indexOf('"', index);
    if (quote < 0) return null;
    value += text.slice(index, quote);
    if (text[quote + 1] === '"') {
      value += '"';
      index = quote + 2;
    } else {
      return { value, next: quote + 1 };
    }
  }
}

/**
 * Flattens nested objects into dotted columns (`latency_ms.p50`), for an
 * answer that is one record with sub-objects. Arrays are left to the caller.
 */
export function flattenRecord(record: Record<string, unknown>, prefix = ''): Record<string, CsvValue> {
  const flat: Record<string, CsvValue> = {};
  for (const [key, value] of Object.entries(record)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
      Object.assign(flat, flattenRecord(value as Record<string, unknown>, name));
    } else if (!Array.isArray(value)) {
      flat[name] = value as CsvValue;
    }
  }
  return flat;
}
