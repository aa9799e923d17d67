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
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
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
